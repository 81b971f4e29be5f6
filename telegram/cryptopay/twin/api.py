"""The Crypto Bot API methods the shop uses (getMe, createInvoice, getInvoices, deleteInvoice), answered
from the twin's invoices with CryptoPay's envelope and validation.

Error names: UNAUTHORIZED (401, missing or wrong token), METHOD_NOT_FOUND (405), INVOICE_NOT_FOUND and
EXPIRES_IN_INVALID (400) are CryptoPay's own; the other 400s follow its NAME_INVALID pattern:
AMOUNT_INVALID, CURRENCY_TYPE_INVALID, FIAT_REQUIRED, FIAT_INVALID, ASSET_REQUIRED, ASSET_INVALID,
ACCEPTED_ASSETS_INVALID, DESCRIPTION_TOO_LONG (> 1024 chars), PAYLOAD_TOO_LONG (> 4096 bytes),
INVOICE_IDS_INVALID, INVOICE_ID_INVALID, STATUS_INVALID, OFFSET_INVALID, COUNT_INVALID.
"""

from collections.abc import Callable
from typing import Any

from .invoices import Invoices, invoice_json
from .params import (
    ASSETS,
    FIATS,
    MAX_COUNT,
    MAX_DESCRIPTION_CHARS,
    MAX_EXPIRES_IN,
    MAX_PAYLOAD_BYTES,
    ApiError,
    accepted_assets,
    amount,
    bad,
    choice,
    integer,
    invoice_ids,
)


def answer(invoices: Invoices, method: str, params: dict[str, Any], *, authorized: bool) -> tuple[int, dict[str, Any]]:
    """Answer one API call as CryptoPay would: (HTTP status, envelope). `authorized`: the token was the app's."""
    try:
        if not authorized:
            raise ApiError(401, "UNAUTHORIZED")
        handler = METHODS.get(method)
        if handler is None:
            raise ApiError(405, "METHOD_NOT_FOUND")
        return 200, {"ok": True, "result": handler(invoices, params)}
    except ApiError as e:
        return e.code, {"ok": False, "error": {"code": e.code, "name": e.name}}


def get_me(invoices: Invoices, params: dict[str, Any]) -> dict[str, Any]:
    return {"app_id": 1, "name": "Shopkeeper twin", "payment_processing_bot_username": "CryptoBot"}


def create_invoice(invoices: Invoices, params: dict[str, Any]) -> dict[str, Any]:
    price = amount(params.get("amount"))
    currency_type = params.get("currency_type") or "crypto"
    fiat = asset = None
    accepted: tuple[str, ...] = ()
    if currency_type == "fiat":
        fiat = choice(params.get("fiat"), FIATS, "FIAT")
        accepted = accepted_assets(params.get("accepted_assets"))
    elif currency_type == "crypto":
        asset = choice(params.get("asset"), ASSETS, "ASSET")
        accepted = (asset,)
    else:
        raise bad("CURRENCY_TYPE_INVALID")
    description = params.get("description")
    if description is not None and len(str(description)) > MAX_DESCRIPTION_CHARS:
        raise bad("DESCRIPTION_TOO_LONG")
    payload = str(params.get("payload") or "")
    if len(payload.encode()) > MAX_PAYLOAD_BYTES:
        raise bad("PAYLOAD_TOO_LONG")
    expires_in = params.get("expires_in")
    if expires_in is not None:
        expires_in = integer(expires_in, "EXPIRES_IN_INVALID")
        if not 1 <= expires_in <= MAX_EXPIRES_IN:
            raise bad("EXPIRES_IN_INVALID")
    invoice = invoices.create(
        currency_type=currency_type,
        fiat=fiat,
        asset=asset,
        accepted_assets=accepted,
        amount=price,
        description=None if description is None else str(description),
        payload=payload,
        expires_in=expires_in,
    )
    return invoice_json(invoice)


def get_invoices(invoices: Invoices, params: dict[str, Any]) -> dict[str, Any]:
    ids = invoice_ids(params.get("invoice_ids"))
    status = params.get("status")
    if status is not None and status not in ("active", "paid"):
        raise bad("STATUS_INVALID")
    offset = integer(params.get("offset", 0), "OFFSET_INVALID")
    count = integer(params.get("count", 100), "COUNT_INVALID")
    if offset < 0:
        raise bad("OFFSET_INVALID")
    if not 1 <= count <= MAX_COUNT:
        raise bad("COUNT_INVALID")
    chosen = [
        invoice
        for invoice in invoices.all().values()
        if (ids is None or invoice.invoice_id in ids)
        and (status is None or invoice.status == status)
        and (params.get("asset") is None or invoice.asset == params["asset"])
        and (params.get("fiat") is None or invoice.fiat == params["fiat"])
    ]
    return {"items": [invoice_json(invoice) for invoice in chosen[offset : offset + count]]}


def delete_invoice(invoices: Invoices, params: dict[str, Any]) -> bool:
    if not invoices.delete(integer(params.get("invoice_id"), "INVOICE_ID_INVALID")):
        raise bad("INVOICE_NOT_FOUND")
    return True


METHODS: dict[str, Callable[[Invoices, dict[str, Any]], Any]] = {
    "getMe": get_me,
    "createInvoice": create_invoice,
    "getInvoices": get_invoices,
    "deleteInvoice": delete_invoice,
}
