"""The CryptoPay twin: an in-memory CryptoPay app for tests and the sandbox.

It answers the Crypto Bot API (`api.py`) and lets a test play the payer and the payment service:
`mark_paid`, `mark_expired` and `send_webhook` (`webhooks.py`). `transport()` serves it in process to
httpx; `asgi_app()` / `serve_twin` serve it over HTTP together with a test API under /_twin/ (`http.py`),
so a shop in another process can be driven too. Clients we did not write judge it: aiocryptopay's models
and webhook handler accept everything it sends (tests/test_cryptopay_conformance*.py).

Supported, with CryptoPay's field shapes (amounts and rates as decimal strings, dates ISO 8601 in UTC
with milliseconds), following the API reference and, where it is silent, observed answers:
- getMe; createInvoice (crypto or fiat; description, hidden_message, paid_btn_name/url, payload,
  allow_comments, allow_anonymous, expires_in, swap_to); getInvoices (invoice_ids, status, asset, fiat,
  offset, count); deleteInvoice. Invoices carry every field CryptoPay always sends (pay_url,
  bot_invoice_url, mini_app_invoice_url, web_app_invoice_url, allow_comments, allow_anonymous...) and,
  once paid, paid_asset, paid_amount, paid_fiat_rate (fiat), fee_asset, fee_amount (3%), fee_in_usd,
  paid_usd_rate, paid_at and paid_anonymously (always false: the twin's payers show themselves).
- getBalance, getStats (`reports.py`): read from the invoices. getExchangeRates, getCurrencies: a fixed
  market (`market.py`), so every rate, and the default amount paid, is known in advance.
- The invoice_paid webhook, signed as CryptoPay signs it, or deliberately not.

Deliberately not: transfers, checks (createCheck... answer 405 METHOD_NOT_FOUND), live rates, swaps
(swap_to is kept and shown; no swapped_* field appears), payers' comments, anonymous payments, the
webhook retries CryptoPay makes, and its rate limits.

Behaviour worth knowing:
- Expiry is read, not scheduled (`invoices.py`): pass `clock` (unix seconds) to drive it by hand, or
  let trio's MockClock move the default clock.
- A fiat invoice is paid by default in USDT at the twin's rate (1:1 for USD); pass `paid_amount` to differ.
- `update_id` is a counter, as unique as CryptoPay's is not: pass `update_id` to repeat one, and send the
  same invoice's webhook as often as a test likes. The twin never sends a webhook on its own.
"""

import itertools
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import msgspec

from telegram import doors

from ..types import CryptoInvoice
from . import api, webhooks
from .http import router
from .invoices import Invoices, UnixClockOnTrio
from .webhooks import SentWebhook

CALLS_KEPT = 10_000


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
        self.webhook_transport = webhook_transport
        # Bounded, so a sandbox polled for days keeps a recent log rather than growing without end.
        self.calls: deque[tuple[str, dict[str, Any]]] = deque(maxlen=CALLS_KEPT)
        self.webhooks: list[SentWebhook] = []
        self._invoices = Invoices(clock or UnixClockOnTrio())
        self._update_ids = itertools.count(1)

    def __repr__(self) -> str:
        return f"CryptoPayTwin(invoices={len(self._invoices)}, webhook_url={self.webhook_url!r})"

    @property
    def clock(self) -> Callable[[], float]:
        """Unix seconds now, as the twin reads it (invoice dates, expiry, webhook request dates)."""
        return self._invoices.clock

    # ----- serving ----------------------------------------------------------------------------------
    def transport(self) -> doors.Transport:
        """An httpx transport answering every request from this twin: `CryptoPayClient(token, transport=...)`."""
        return doors.Transport(router(self))

    def asgi_app(self) -> doors.ASGIApp:
        """An ASGI3 app serving the API under /api/ and the test API under /_twin/ (for hypercorn)."""
        return doors.asgi_app(router(self))

    # ----- the Crypto Bot API -----------------------------------------------------------------------
    def call_api(self, token: str | None, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one API call as CryptoPay would: (HTTP status, envelope)."""
        self.calls.append((method, params))
        return api.answer(self._invoices, method, params, authorized=token == self.token)

    # ----- reading ----------------------------------------------------------------------------------
    @property
    def invoices(self) -> dict[int, CryptoInvoice]:
        """Every invoice the twin holds, by id, as the shop's client would read it now."""
        return {invoice["invoice_id"]: _read(invoice) for invoice in self._invoices.all()}

    def invoice(self, invoice_id: int) -> CryptoInvoice:
        """The invoice as the shop's client would read it now; raises UnknownInvoice."""
        return _read(self._invoices.get(invoice_id))

    def invoice_json(self, invoice_id: int) -> dict[str, Any]:
        """The invoice as CryptoPay's JSON now, every field it sends; raises UnknownInvoice."""
        return self._invoices.get(invoice_id)

    def calls_of(self, method: str) -> int:
        """How many calls of `method` the twin answered (among the last CALLS_KEPT calls), refused ones included."""
        return sum(1 for called, _ in self.calls if called == method)

    # ----- playing the payer and the service --------------------------------------------------------
    def mark_paid(self, invoice_id: int, *, asset: str = "USDT", paid_amount: Decimal | None = None) -> CryptoInvoice:
        """Pay an active invoice in `asset` (one it accepts); `paid_amount` defaults to the invoice amount (a fiat
        invoice's at the twin's rate: market.py).

        Raises UnknownInvoice, or ValueError when the invoice is not active or does not accept `asset`.
        """
        return _read(self._invoices.pay(invoice_id, asset=asset, paid_amount=paid_amount))

    def mark_expired(self, invoice_id: int) -> CryptoInvoice:
        """Expire an active invoice now, whatever its expires_in. Raises UnknownInvoice, or ValueError if paid."""
        return _read(self._invoices.expire(invoice_id))

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
        body = webhooks.update_body(
            self.invoice_json(invoice_id), update_id=next(self._update_ids) if update_id is None else update_id, now=self.clock()
        )
        sent = await webhooks.post(target, body, webhooks.signed_headers(self.token, body, signature), self.webhook_transport)
        self.webhooks.append(sent)
        return sent.status


def _read(invoice: dict[str, Any]) -> CryptoInvoice:
    return msgspec.convert(invoice, CryptoInvoice)
