"""The webhooks the twin sends: CryptoPay's `invoice_paid` update, signed like CryptoPay's or deliberately not.

`update_id` is the caller's: the twin counts them, as unique as CryptoPay's are not, and lets a test
repeat one. The twin never sends a webhook on its own.
"""

from dataclasses import dataclass
from typing import Any

import httpx
import msgspec

from ..signature import HEADER, sign
from .invoices import iso


@dataclass(frozen=True)
class SentWebhook:
    """One webhook the twin POSTed: where, the exact body, and the receiver's HTTP status."""

    url: str
    body: bytes
    headers: dict[str, str]
    status: int


def update_body(invoice: dict[str, Any], *, update_id: int, now: float) -> bytes:
    """The `invoice_paid` update for `invoice` (its JSON) as CryptoPay sends it, whatever its status."""
    return msgspec.json.encode(
        {
            "update_id": update_id,
            "update_type": "invoice_paid",
            "request_date": iso(now),
            "payload": invoice,
        }
    )


def signed_headers(token: str, body: bytes, signature: str | None) -> dict[str, str]:
    """ "valid" signs `body` with the app's `token`; "bad" sends a well-formed signature made with a
    different key; None sends no signature header; any other string is sent as is."""
    headers = {"content-type": "application/json"}
    if signature == "valid":
        headers[HEADER] = sign(token, body)
    elif signature == "bad":
        headers[HEADER] = sign(token + " (not the app's token)", body)
    elif signature is not None:
        headers[HEADER] = signature
    return headers


async def post(url: str, body: bytes, headers: dict[str, str], transport: httpx.AsyncBaseTransport | None) -> SentWebhook:
    """POST the update; raises httpx.TransportError when the receiver is unreachable."""
    async with httpx.AsyncClient(transport=transport, timeout=10.0) as http:
        response = await http.post(url, content=body, headers=headers)
    return SentWebhook(url, body, headers, response.status_code)
