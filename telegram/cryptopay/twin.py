"""The twin: an in-memory CryptoPay for tests and the sandbox.

It answers the Crypto Bot API methods the shop uses (getMe, createInvoice, getInvoices, deleteInvoice)
with CryptoPay's envelope and validation, and lets a test play the payer and the payment service:
`mark_paid`, `mark_expired` and `send_webhook` (signed like CryptoPay's, or deliberately not).
`transport()` serves it in process to httpx; `asgi_app()` / `serve_twin` serve it over HTTP together with
a test API under /_twin/ (see `twin_http.py`), so a shop in another process can be driven too.

Behaviour worth knowing:
- Error names: UNAUTHORIZED (401, missing or wrong token), METHOD_NOT_FOUND (405), INVOICE_NOT_FOUND and
  EXPIRES_IN_INVALID (400) are CryptoPay's own; the other 400s follow its NAME_INVALID pattern:
  AMOUNT_INVALID, CURRENCY_TYPE_INVALID, FIAT_REQUIRED, FIAT_INVALID, ASSET_REQUIRED, ASSET_INVALID,
  ACCEPTED_ASSETS_INVALID, DESCRIPTION_TOO_LONG (> 1024 chars), PAYLOAD_TOO_LONG (> 4096 bytes),
  INVOICE_IDS_INVALID, INVOICE_ID_INVALID, STATUS_INVALID, OFFSET_INVALID, COUNT_INVALID.
- Expiry is read, not scheduled: an active invoice whose `expires_in` has passed on `clock` reads as
  "expired" from then on. The default clock is unix time that advances with trio's clock, so
  `trio.testing.MockClock` drives expiry; pass `clock` (unix seconds) to drive it by hand.
- A fiat invoice is paid by default in USDT at 1:1 (`paid_amount` = `amount`); pass `paid_amount` to differ.
- `update_id` is a counter, as unique as CryptoPay's is not: pass `update_id` to repeat one, and send the
  same invoice's webhook as often as a test likes. The twin never sends a webhook on its own.
"""

import itertools
import secrets
import string
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
import msgspec
import trio

from .signature import HEADER, sign
from .twin_http import TwinTransport, make_asgi_app, serve_twin
from .types import CryptoInvoice

__all__ = ["CryptoPayTwin", "SentWebhook", "UnknownInvoice", "serve_twin"]

ASSETS = frozenset({"USDT", "TON", "BTC", "ETH", "LTC", "BNB", "TRX", "USDC"})
FIATS = frozenset({"USD", "EUR", "RUB", "BYN", "UAH", "GBP", "CNY", "KZT", "UZS", "GEL", "TRY", "AMD", "THB",
                   "INR", "BRL", "IDR", "AZN", "AED", "PLN", "ILS"})
MAX_EXPIRES_IN = 2_678_400  # 31 days
MAX_PAYLOAD_BYTES = 4096
MAX_DESCRIPTION_CHARS = 1024
MAX_COUNT = 1000
CALLS_KEPT = 10_000
_HASH_CHARS = string.ascii_letters + string.digits


class UnknownInvoice(LookupError):
    """A control method named an invoice the twin does not hold (never created, or deleted)."""


class _ApiError(Exception):
    def __init__(self, code: int, name: str) -> None:
        super().__init__(name)
        self.code = code
        self.name = name


def _bad(name: str) -> _ApiError:
    return _ApiError(400, name)


@dataclass
class _Invoice:
    invoice_id: int
    hash: str
    currency_type: str
    fiat: str | None
    asset: str | None
    accepted_assets: tuple[str, ...]
    amount: Decimal
    description: str | None
    payload: str
    created: float
    expires_at: float | None
    status: str = "active"  # as set by a payment or mark_expired; the clock may make an active one expired
    paid_at: float | None = None
    paid_amount: Decimal | None = None
    paid_asset: str | None = None


class _UnixClockOnTrio:
    """Unix seconds: wall time when first read, plus the trio time elapsed since (MockClock moves it)."""

    def __init__(self) -> None:
        self._base: tuple[float, float] | None = None

    def __call__(self) -> float:
        now = trio.current_time()
        if self._base is None:
            self._base = (time.time(), now)
        wall, trio_start = self._base
        return wall + (now - trio_start)


def iso(unix: float) -> str:
    """CryptoPay's timestamp format: ISO 8601 in UTC with milliseconds, e.g. 2026-06-01T12:00:00.000Z."""
    return datetime.fromtimestamp(unix, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class SentWebhook:
    """One webhook the twin POSTed: where, the exact body, and the receiver's HTTP status."""

    url: str
    body: bytes
    headers: dict[str, str]
    status: int


class CryptoPayTwin:
    """An in-memory CryptoPay app whose API token is `token`.

    Args:
      token: the API token clients must send in `Crypto-Pay-API-Token`; it also keys webhook signatures.
      webhook_url: where `send_webhook` POSTs by default.
      clock: unix seconds now; defaults to wall time advancing with trio's clock.
      webhook_transport: httpx transport for webhooks (e.g. `httpx.ASGITransport(app)`); default: network.

    `calls` logs the last CALLS_KEPT API calls as (method, params), and `calls_of(method)` counts
    them for one method; `webhooks` logs every webhook sent.
    """

    def __init__(
        self,
        token: str,
        *,
        webhook_url: str | None = None,
        clock: Callable[[], float] | None = None,
        webhook_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.token = token
        self.webhook_url = webhook_url
        self.clock = clock or _UnixClockOnTrio()
        self.webhook_transport = webhook_transport
        # Bounded, so a sandbox polled for days keeps a recent log rather than growing without end.
        self.calls: deque[tuple[str, dict[str, Any]]] = deque(maxlen=CALLS_KEPT)
        self.webhooks: list[SentWebhook] = []
        self._invoices: dict[int, _Invoice] = {}
        self._invoice_ids = itertools.count(1)
        self._update_ids = itertools.count(1)

    def __repr__(self) -> str:
        return f"CryptoPayTwin(invoices={len(self._invoices)}, webhook_url={self.webhook_url!r})"

    # ----- serving ----------------------------------------------------------------------------------
    def transport(self) -> TwinTransport:
        """An httpx transport answering every request from this twin: `CryptoPayClient(token, transport=...)`."""
        return TwinTransport(self)

    def asgi_app(self) -> Any:
        """An ASGI3 app serving the API under /api/ and the test API under /_twin/ (for hypercorn)."""
        return make_asgi_app(self)

    # ----- the Crypto Bot API -----------------------------------------------------------------------
    def call_api(self, token: str | None, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one API call as CryptoPay would: (HTTP status, envelope)."""
        self.calls.append((method, params))
        try:
            if token != self.token:
                raise _ApiError(401, "UNAUTHORIZED")
            handler = _METHODS.get(method)
            if handler is None:
                raise _ApiError(405, "METHOD_NOT_FOUND")
            return 200, {"ok": True, "result": handler(self, params)}
        except _ApiError as e:
            return e.code, {"ok": False, "error": {"code": e.code, "name": e.name}}

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"app_id": 1, "name": "Shopkeeper twin", "payment_processing_bot_username": "CryptoBot"}

    def _create_invoice(self, params: dict[str, Any]) -> dict[str, Any]:
        amount = _amount(params.get("amount"))
        currency_type = params.get("currency_type") or "crypto"
        fiat = asset = None
        accepted: tuple[str, ...] = ()
        if currency_type == "fiat":
            fiat = _choice(params.get("fiat"), FIATS, "FIAT")
            accepted = _assets(params.get("accepted_assets"))
        elif currency_type == "crypto":
            asset = _choice(params.get("asset"), ASSETS, "ASSET")
            accepted = (asset,)
        else:
            raise _bad("CURRENCY_TYPE_INVALID")
        description = params.get("description")
        if description is not None and len(str(description)) > MAX_DESCRIPTION_CHARS:
            raise _bad("DESCRIPTION_TOO_LONG")
        payload = str(params.get("payload") or "")
        if len(payload.encode()) > MAX_PAYLOAD_BYTES:
            raise _bad("PAYLOAD_TOO_LONG")
        expires_in = params.get("expires_in")
        if expires_in is not None:
            expires_in = _int(expires_in, "EXPIRES_IN_INVALID")
            if not 1 <= expires_in <= MAX_EXPIRES_IN:
                raise _bad("EXPIRES_IN_INVALID")
        now = self.clock()
        record = _Invoice(
            invoice_id=next(self._invoice_ids),
            hash="IV" + "".join(secrets.choice(_HASH_CHARS) for _ in range(10)),
            currency_type=currency_type, fiat=fiat, asset=asset, accepted_assets=accepted, amount=amount,
            description=None if description is None else str(description), payload=payload,
            created=now, expires_at=None if expires_in is None else now + expires_in,
        )
        self._invoices[record.invoice_id] = record
        return invoice_json(self._render(record))

    def _get_invoices(self, params: dict[str, Any]) -> dict[str, Any]:
        ids = _ids(params.get("invoice_ids"))
        status = params.get("status")
        if status is not None and status not in ("active", "paid"):
            raise _bad("STATUS_INVALID")
        offset = _int(params.get("offset", 0), "OFFSET_INVALID")
        count = _int(params.get("count", 100), "COUNT_INVALID")
        if offset < 0:
            raise _bad("OFFSET_INVALID")
        if not 1 <= count <= MAX_COUNT:
            raise _bad("COUNT_INVALID")
        chosen = [
            invoice for invoice in (self._render(r) for r in self._invoices.values())
            if (ids is None or invoice.invoice_id in ids)
            and (status is None or invoice.status == status)
            and (params.get("asset") is None or invoice.asset == params["asset"])
            and (params.get("fiat") is None or invoice.fiat == params["fiat"])
        ]
        return {"items": [invoice_json(invoice) for invoice in chosen[offset:offset + count]]}

    def _delete_invoice(self, params: dict[str, Any]) -> bool:
        invoice_id = _int(params.get("invoice_id"), "INVOICE_ID_INVALID")
        if self._invoices.pop(invoice_id, None) is None:
            raise _bad("INVOICE_NOT_FOUND")
        return True

    # ----- reading ----------------------------------------------------------------------------------
    @property
    def invoices(self) -> dict[int, CryptoInvoice]:
        """Every invoice the twin holds, by id, as a client would read it now."""
        return {invoice_id: self._render(r) for invoice_id, r in self._invoices.items()}

    def invoice(self, invoice_id: int) -> CryptoInvoice:
        return self._render(self._record(invoice_id))

    def calls_of(self, method: str) -> int:
        """How many calls of `method` the twin answered (among the last CALLS_KEPT calls), refused ones included."""
        return sum(1 for called, _ in self.calls if called == method)

    def _record(self, invoice_id: int) -> _Invoice:
        try:
            return self._invoices[invoice_id]
        except KeyError:
            raise UnknownInvoice(f"no invoice {invoice_id}") from None

    def _status(self, record: _Invoice) -> str:
        if record.status == "active" and record.expires_at is not None and self.clock() >= record.expires_at:
            return "expired"
        return record.status

    def _render(self, r: _Invoice) -> CryptoInvoice:
        url = f"https://t.me/CryptoBot?start={r.hash}"
        return CryptoInvoice(
            invoice_id=r.invoice_id, hash=r.hash, status=self._status(r), amount=r.amount,
            currency_type=r.currency_type, fiat=r.fiat, asset=r.asset, bot_invoice_url=url, pay_url=url,
            description=r.description, payload=r.payload, created_at=iso(r.created),
            expiration_date=None if r.expires_at is None else iso(r.expires_at),
            paid_at=None if r.paid_at is None else iso(r.paid_at), paid_amount=r.paid_amount, paid_asset=r.paid_asset,
        )

    # ----- playing the payer and the service --------------------------------------------------------
    def mark_paid(self, invoice_id: int, *, asset: str = "USDT", paid_amount: Decimal | None = None) -> CryptoInvoice:
        """Pay an active invoice in `asset` (one it accepts); `paid_amount` defaults to the invoice amount.

        Raises UnknownInvoice, or ValueError when the invoice is not active or does not accept `asset`.
        """
        record = self._record(invoice_id)
        status = self._status(record)
        if status != "active":
            raise ValueError(f"invoice {invoice_id} is {status}, not active")
        if asset not in record.accepted_assets:
            raise ValueError(f"invoice {invoice_id} accepts {', '.join(record.accepted_assets)}, not {asset}")
        record.status = "paid"
        record.paid_at = self.clock()
        record.paid_asset = asset
        record.paid_amount = record.amount if paid_amount is None else Decimal(paid_amount)
        return self._render(record)

    def mark_expired(self, invoice_id: int) -> CryptoInvoice:
        """Expire an active invoice now, whatever its expires_in. Raises UnknownInvoice, or ValueError if paid."""
        record = self._record(invoice_id)
        if record.status == "paid":
            raise ValueError(f"invoice {invoice_id} is paid")
        record.status = "expired"
        return self._render(record)

    async def send_webhook(
        self,
        invoice_id: int,
        *,
        signature: str | None = "valid",
        url: str | None = None,
        update_id: int | None = None,
    ) -> int:
        """POST an `invoice_paid` update for the invoice to `url` (default `webhook_url`); return the HTTP status.

        `signature`: "valid" signs the body correctly; "bad" sends a well-formed signature made with a
        different key; None sends no signature header; any other string is sent as is. The twin sends
        whatever the invoice's status is (CryptoPay only sends paid ones), so tests can probe the receiver.
        Raises UnknownInvoice, ValueError without a URL, httpx.TransportError when the receiver is unreachable.
        """
        target = url or self.webhook_url
        if not target:
            raise ValueError("no webhook URL: pass url= or set webhook_url")
        invoice = self.invoice(invoice_id)
        body = msgspec.json.encode({
            "update_id": next(self._update_ids) if update_id is None else update_id,
            "update_type": "invoice_paid",
            "request_date": iso(self.clock()),
            "payload": invoice_json(invoice),
        })
        headers = {"content-type": "application/json"}
        if signature == "valid":
            headers[HEADER] = sign(self.token, body)
        elif signature == "bad":
            headers[HEADER] = sign(self.token + " (not the app's token)", body)
        elif signature is not None:
            headers[HEADER] = signature
        async with httpx.AsyncClient(transport=self.webhook_transport, timeout=10.0) as http:
            response = await http.post(target, content=body, headers=headers)
        self.webhooks.append(SentWebhook(target, body, headers, response.status_code))
        return response.status_code


_METHODS: dict[str, Callable[[CryptoPayTwin, dict[str, Any]], Any]] = {
    "getMe": CryptoPayTwin._get_me,
    "createInvoice": CryptoPayTwin._create_invoice,
    "getInvoices": CryptoPayTwin._get_invoices,
    "deleteInvoice": CryptoPayTwin._delete_invoice,
}


def invoice_json(invoice: CryptoInvoice) -> dict[str, Any]:
    """The invoice as CryptoPay's JSON: amounts as decimal strings, unset optional fields left out."""
    return msgspec.to_builtins(invoice)


def _int(value: Any, error: str) -> int:
    # Parameters arrive as JSON numbers or as strings (query string, form); bools are not numbers here.
    if isinstance(value, bool):
        raise _bad(error)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad(error) from None


def _amount(value: Any) -> Decimal:
    if value is None or isinstance(value, bool):
        raise _bad("AMOUNT_INVALID")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise _bad("AMOUNT_INVALID") from None
    if not amount.is_finite() or amount <= 0:
        raise _bad("AMOUNT_INVALID")
    return amount


def _choice(value: Any, allowed: frozenset[str], what: str) -> str:
    if not value:
        raise _bad(f"{what}_REQUIRED")
    if not isinstance(value, str) or value not in allowed:
        raise _bad(f"{what}_INVALID")
    return value


def _assets(value: Any) -> tuple[str, ...]:
    """accepted_assets: a comma-separated string (or a JSON list); absent means every asset."""
    if value is None or value == "":
        return tuple(sorted(ASSETS))
    if isinstance(value, str):
        names = [name.strip() for name in value.split(",")]
    elif isinstance(value, list):
        names = value
    else:
        raise _bad("ACCEPTED_ASSETS_INVALID")
    if not names or any(not isinstance(name, str) or name not in ASSETS for name in names):
        raise _bad("ACCEPTED_ASSETS_INVALID")
    return tuple(names)


def _ids(value: Any) -> set[int] | None:
    """invoice_ids: a comma-separated string (or a JSON list) of ids; absent means no filter."""
    if value is None or value == "":
        return None
    parts = value.split(",") if isinstance(value, str) else value
    if not isinstance(parts, list):
        raise _bad("INVOICE_IDS_INVALID")
    return {_int(part, "INVOICE_IDS_INVALID") for part in parts}
