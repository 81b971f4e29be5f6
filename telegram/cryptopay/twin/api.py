"""The Crypto Bot API methods, answered from the twin's invoices with CryptoPay's envelope and validation.

Invoices: getMe, createInvoice, getInvoices, deleteInvoice (here); the app: getBalance, getExchangeRates,
getCurrencies, getStats (`reports.py`).

Error names: UNAUTHORIZED (401, missing or wrong token), METHOD_NOT_FOUND (405), INVOICE_NOT_FOUND and
EXPIRES_IN_INVALID (400) are CryptoPay's own; the other 400s follow its NAME_INVALID pattern:
AMOUNT_INVALID, CURRENCY_TYPE_INVALID, FIAT_REQUIRED, FIAT_INVALID, ASSET_REQUIRED, ASSET_INVALID,
ACCEPTED_ASSETS_INVALID, DESCRIPTION_TOO_LONG (> 1024 chars), HIDDEN_MESSAGE_TOO_LONG (> 2048 chars),
PAYLOAD_TOO_LONG (> 4096 bytes), PAID_BTN_NAME_INVALID, PAID_BTN_URL_REQUIRED, PAID_BTN_URL_INVALID,
ALLOW_COMMENTS_INVALID, ALLOW_ANONYMOUS_INVALID, SWAP_TO_INVALID, INVOICE_IDS_INVALID, INVOICE_ID_INVALID,
STATUS_INVALID, OFFSET_INVALID, COUNT_INVALID, START_AT_INVALID, END_AT_INVALID.
"""

from collections.abc import Callable
from typing import Any

from . import reports
from .invoices import Invoices, Terms
from .market import ASSETS, FIATS
from .params import (
    MAX_COUNT,
    MAX_DESCRIPTION_CHARS,
    MAX_EXPIRES_IN,
    MAX_HIDDEN_MESSAGE_CHARS,
    MAX_PAYLOAD_BYTES,
    ApiError,
    accepted_assets,
    amount,
    bad,
    boolean,
    choice,
    integer,
    invoice_ids,
    text,
)

PAID_BUTTONS = frozenset({"viewItem", "openChannel", "openBot", "callback"})
# The assets createInvoice's swap_to names (API 1.5.1); SOL is one though invoices are not paid in it.
SWAP_ASSETS = frozenset({"USDT", "TON", "TRX", "ETH", "SOL", "BTC", "LTC"})


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
    payload = str(params.get("payload") or "")
    if len(payload.encode()) > MAX_PAYLOAD_BYTES:
        raise bad("PAYLOAD_TOO_LONG")
    expires_in = params.get("expires_in")
    if expires_in is not None:
        expires_in = integer(expires_in, "EXPIRES_IN_INVALID")
        if not 1 <= expires_in <= MAX_EXPIRES_IN:
            raise bad("EXPIRES_IN_INVALID")
    button, button_url = paid_button(params.get("paid_btn_name"), params.get("paid_btn_url"))
    swap_to = params.get("swap_to")
    if swap_to is not None and swap_to not in SWAP_ASSETS:
        raise bad("SWAP_TO_INVALID")
    terms = Terms(
        currency_type=currency_type,
        fiat=fiat,
        asset=asset,
        accepted_assets=accepted,
        amount=price,
        description=text(params.get("description"), MAX_DESCRIPTION_CHARS, "DESCRIPTION"),
        hidden_message=text(params.get("hidden_message"), MAX_HIDDEN_MESSAGE_CHARS, "HIDDEN_MESSAGE"),
        paid_btn_name=button,
        paid_btn_url=button_url,
        payload=payload,
        allow_comments=boolean(params.get("allow_comments", True), "ALLOW_COMMENTS_INVALID"),
        allow_anonymous=boolean(params.get("allow_anonymous", True), "ALLOW_ANONYMOUS_INVALID"),
        expires_in=expires_in,
        swap_to=swap_to,
    )
    return invoices.create(terms)


def paid_button(name: Any, url: Any) -> tuple[str | None, str | None]:
    """paid_btn_name and the http(s) paid_btn_url it needs; a URL without a name is kept as sent."""
    if name is not None and name not in PAID_BUTTONS:
        raise bad("PAID_BTN_NAME_INVALID")
    if url is None:
        if name is not None:
            raise bad("PAID_BTN_URL_REQUIRED")
        return None, None
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise bad("PAID_BTN_URL_INVALID")
    return name, url


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
        for invoice in invoices.all()
        if (ids is None or invoice["invoice_id"] in ids)
        and (status is None or invoice["status"] == status)
        and (params.get("asset") is None or invoice.get("asset") == params["asset"])
        and (params.get("fiat") is None or invoice.get("fiat") == params["fiat"])
    ]
    return {"items": chosen[offset : offset + count]}


def delete_invoice(invoices: Invoices, params: dict[str, Any]) -> bool:
    if not invoices.delete(integer(params.get("invoice_id"), "INVOICE_ID_INVALID")):
        raise bad("INVOICE_NOT_FOUND")
    return True


METHODS: dict[str, Callable[[Invoices, dict[str, Any]], Any]] = {
    "getMe": get_me,
    "createInvoice": create_invoice,
    "getInvoices": get_invoices,
    "deleteInvoice": delete_invoice,
    "getBalance": reports.get_balance,
    "getExchangeRates": reports.get_exchange_rates,
    "getCurrencies": reports.get_currencies,
    "getStats": reports.get_stats,
}
