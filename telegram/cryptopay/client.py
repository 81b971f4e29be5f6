"""The CryptoPay (Crypto Bot API) client: create, read and delete invoices.

Every call is `POST {base_url}/api/{method}` with a JSON body and the `Crypto-Pay-API-Token` header, and
is mapped once, here, to a result or an error:

    {"ok": true, "result": ...}                         -> the decoded result
    {"ok": false, "error": {"code": N, "name": "X"}}    -> CryptoPayError(N, "X")
    network failure / timeout / HTTP 5xx                 -> CryptoPayUnavailable(0, NETWORK_ERROR | TIMEOUT | HTTP_5xx)
    any other answer that is not CryptoPay JSON          -> CryptoPayError(status, "UNEXPECTED_RESPONSE")

The token lives only in the httpx client's default headers: it is not an attribute, not in repr(), and
not in any error text (errors carry method, code and name). The client never retries: whether a
createInvoice that timed out took effect is unknowable, so retrying is the caller's decision.

Metrics: `shopkeeper_cryptopay_requests_total{method,outcome}` (outcome: ok, error, unavailable, cancelled).
"""

from collections.abc import Sequence
from decimal import Decimal
from types import TracebackType
from typing import Any, Self

import httpx
import msgspec
import trio
from prometheus_client import Counter

from .errors import CryptoPayError, CryptoPayUnavailable
from .types import CryptoInvoice

REQUESTS = Counter(
    "shopkeeper_cryptopay_requests_total",
    "CryptoPay API requests by method and outcome: ok, error, unavailable or cancelled.",
    ["method", "outcome"],
)

# getInvoices answers at most this many invoices per call (its `count` limit).
IDS_PER_CALL = 1000


class _Error(msgspec.Struct):
    code: int = 0
    name: str = ""


class _Envelope(msgspec.Struct):
    ok: bool
    result: msgspec.Raw = msgspec.Raw()
    # Documented as {"code", "name"}; some answers carry just the name as a string.
    error: _Error | str | None = None


class _InvoicePage(msgspec.Struct):
    items: list[CryptoInvoice]


class CryptoPayClient:
    """A CryptoPay app, reached with its API token. Use as `async with CryptoPayClient(token) as pay:`.

    Args:
      token: the app's API token (from @CryptoBot → Crypto Pay → My Apps).
      base_url: "https://pay.crypt.bot", "https://testnet-pay.crypt.bot", or a twin's address.
      transport: an httpx transport to use instead of the network (e.g. `CryptoPayTwin.transport()`).
      timeout: seconds one request may take, connect and read each.
    """

    def __init__(
        self,
        token: str,
        base_url: str = "https://pay.crypt.bot",
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._http = httpx.AsyncClient(
            base_url=f"{self._base_url}/api/",
            headers={"Crypto-Pay-API-Token": token},
            transport=transport,
            timeout=timeout,
        )

    def __repr__(self) -> str:
        return f"CryptoPayClient(base_url={self._base_url!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # ----- API methods ------------------------------------------------------------------------------
    async def get_me(self) -> dict[str, Any]:
        """The app's own description ({app_id, name, payment_processing_bot_username}); checks the token."""
        return msgspec.json.decode(await self._call("getMe", {}))

    async def create_invoice(
        self,
        *,
        amount: Decimal,
        fiat: str,
        accepted_assets: Sequence[str],
        description: str,
        payload: str,
        expires_in: int,
    ) -> CryptoInvoice:
        """Create an invoice priced in `fiat` (e.g. "USD"), payable in any of `accepted_assets` (e.g. USDT, TON).

        `payload` (≤ 4 KB) comes back on the invoice and in the webhook; `expires_in` is seconds, 1–2678400.
        """
        params = {
            "currency_type": "fiat",
            "fiat": fiat,
            "accepted_assets": ",".join(accepted_assets),
            "amount": format(amount, "f"),  # never "1E+2": CryptoPay wants a plain decimal string
            "description": description,
            "payload": payload,
            "expires_in": expires_in,
        }
        return msgspec.json.decode(await self._call("createInvoice", params), type=CryptoInvoice)

    async def get_invoices(self, invoice_ids: Sequence[int]) -> list[CryptoInvoice]:
        """The invoices among `invoice_ids` that CryptoPay knows (deleted or unknown ids are just absent).

        Asks in chunks of 1000 ids, CryptoPay's limit per call, and returns them all.
        """
        found: list[CryptoInvoice] = []
        for start in range(0, len(invoice_ids), IDS_PER_CALL):
            chunk = invoice_ids[start : start + IDS_PER_CALL]
            params = {"invoice_ids": ",".join(str(i) for i in chunk), "count": len(chunk)}
            page = msgspec.json.decode(await self._call("getInvoices", params), type=_InvoicePage)
            found.extend(page.items)
        return found

    async def delete_invoice(self, invoice_id: int) -> bool:
        """Delete an invoice so it can no longer be paid; raises CryptoPayError(400, INVOICE_NOT_FOUND) if unknown."""
        return msgspec.json.decode(await self._call("deleteInvoice", {"invoice_id": invoice_id}), type=bool)

    # ----- one request ------------------------------------------------------------------------------
    async def _call(self, method: str, params: dict[str, Any]) -> msgspec.Raw:
        outcome = "cancelled"  # unless a branch below says otherwise
        try:
            result = await self._send(method, params)
        except CryptoPayUnavailable:
            outcome = "unavailable"
            raise
        except CryptoPayError:
            outcome = "error"
            raise
        else:
            outcome = "ok"
            return result
        finally:
            REQUESTS.labels(method=method, outcome=outcome).inc()

    async def _send(self, method: str, params: dict[str, Any]) -> msgspec.Raw:
        # httpx enforces its timeouts inside its own transport; this deadline is the backstop for an
        # injected transport that does not, so a call can never hang.
        with trio.move_on_after(2 * self._timeout) as deadline:
            try:
                response = await self._http.post(
                    method, content=msgspec.json.encode(params), headers={"content-type": "application/json"}
                )
            except httpx.TimeoutException as e:
                raise CryptoPayUnavailable(0, "TIMEOUT", method=method) from e
            except httpx.TransportError as e:
                raise CryptoPayUnavailable(0, "NETWORK_ERROR", method=method) from e
        if deadline.cancelled_caught:
            raise CryptoPayUnavailable(0, "TIMEOUT", method=method)
        return _unwrap(method, response)


def _unwrap(method: str, response: httpx.Response) -> msgspec.Raw:
    status = response.status_code
    if status >= 500:
        raise CryptoPayUnavailable(0, f"HTTP_{status}", method=method)
    try:
        envelope = msgspec.json.decode(response.content, type=_Envelope)
    except msgspec.DecodeError as e:
        # A proxy's HTML page, a wrong base_url...: not CryptoPay speaking.
        raise CryptoPayError(status, "UNEXPECTED_RESPONSE", method=method) from e
    if envelope.ok:
        return envelope.result
    if isinstance(envelope.error, _Error):
        raise CryptoPayError(envelope.error.code or status, envelope.error.name or "UNKNOWN", method=method)
    raise CryptoPayError(status, envelope.error or "UNKNOWN", method=method)
