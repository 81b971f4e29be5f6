"""The HTTP face of the CryptoPay twin: its routes, served through the shared doors (`telegram.doors`).

`router(twin)` routes `/api/<method>` to the Crypto Bot API and `/_twin/...` to the test API.
`CryptoPayTwin.transport()` (httpx, in process) and `CryptoPayTwin.asgi_app()` / `serve_twin`
(hypercorn, loopback) serve it, so a client sees the same answers either way.

Test API (JSON out; errors are {"error": "..."} with status 400, 404 for an unknown invoice, 502 when the
webhook receiver is unreachable):

    GET  /_twin/invoices                                             → [Invoice]
    POST /_twin/invoices/{id}/pay      {asset?, paid_amount?}         → Invoice
    POST /_twin/invoices/{id}/expire                                  → Invoice
    POST /_twin/invoices/{id}/webhook  ?signature=valid|bad|none&url=&update_id=  → {"status": N}

`{id}` may be `latest`: the newest invoice (a walk-through's shell needs no id copied from a listing).
"""

from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import TYPE_CHECKING

import httpx
import trio

from telegram.doors import Reply, Request, Router, json_reply, read_test_call, serve

from .invoices import UnknownInvoice
from .params import decode_params

if TYPE_CHECKING:
    from .core import CryptoPayTwin

# CryptoPay's requests are small (a payload is at most 4096 bytes, a description 1024 characters).
MAX_BODY = 1024 * 1024


def router(twin: "CryptoPayTwin") -> Router:
    """The twin's routes; a path they do not take is CryptoPay's 404 NOT_FOUND, a body over MAX_BODY a 413."""
    return Router(
        [("/_twin/", partial(_test_api, twin)), ("/api/", partial(_api, twin))],
        not_found=_error(404, "NOT_FOUND"),
        too_large=_error(413, "REQUEST_TOO_LARGE"),
        max_body=MAX_BODY,
    )


def _error(code: int, name: str) -> Reply:
    return json_reply(code, {"ok": False, "error": {"code": code, "name": name}})


async def _api(twin: "CryptoPayTwin", request: Request) -> Reply | None:
    """`<method>`: one Crypto Bot API call, its token in the Crypto-Pay-API-Token header."""
    if not request.path or "/" in request.path:
        return None
    try:
        params = decode_params(request.query, request.content_type, request.body)
    except ValueError:
        return _error(400, "PARAMS_INVALID")
    status, envelope = twin.call_api(request.headers.get("crypto-pay-api-token"), request.path, params)
    return json_reply(status, envelope)


async def _test_api(twin: "CryptoPayTwin", request: Request) -> Reply:
    call = read_test_call(request)
    if isinstance(call, Reply):
        return call
    data, args = call.data, call.args
    try:
        match request.method, call.parts:
            case "GET", ["invoices"]:
                return json_reply(200, [twin.invoice_json(invoice_id) for invoice_id in twin.invoices])
            case "POST", ["invoices", invoice_id, "pay"]:
                paid_amount = data.get("paid_amount")
                paid = twin.mark_paid(
                    _invoice_id(twin, invoice_id),
                    asset=data.get("asset", "USDT"),
                    paid_amount=None if paid_amount is None else Decimal(str(paid_amount)),
                )
                return json_reply(200, twin.invoice_json(paid.invoice_id))
            case "POST", ["invoices", invoice_id, "expire"]:
                expired = twin.mark_expired(_invoice_id(twin, invoice_id))
                return json_reply(200, twin.invoice_json(expired.invoice_id))
            case "POST", ["invoices", invoice_id, "webhook"]:
                signature = args.get("signature", "valid")
                update_id = args.get("update_id")
                try:
                    status = await twin.send_webhook(
                        _invoice_id(twin, invoice_id),
                        signature=None if signature == "none" else signature,
                        url=args.get("url"),
                        update_id=None if update_id is None else int(update_id),
                    )
                except httpx.TransportError as e:
                    return json_reply(502, {"error": f"webhook receiver unreachable: {type(e).__name__}"})
                return json_reply(200, {"status": status})
        return json_reply(404, {"error": f"no test route {request.method} /_twin/{request.path}"})
    except UnknownInvoice as e:
        return json_reply(404, {"error": str(e)})
    except (ValueError, InvalidOperation) as e:
        return json_reply(400, {"error": str(e) or type(e).__name__})


def _invoice_id(twin: "CryptoPayTwin", text: str) -> int:
    """The invoice a test route names: its id, or `latest` for the newest one."""
    if text != "latest":
        return int(text)
    if not twin.invoices:
        raise UnknownInvoice("no invoice yet")
    return max(twin.invoices)


async def serve_twin(
    twin: "CryptoPayTwin",
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    shutdown_trigger: Callable[[], Awaitable[None]] | None = None,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve `twin.asgi_app()` on host:port until cancelled (or `shutdown_trigger` returns).

    Supports the Trio nursery start protocol: `port = await nursery.start(serve_twin, twin)` returns the
    bound port once the socket is listening (port 0 picks a free one). Bind errors propagate out of
    `nursery.start`.
    """
    await serve(twin.asgi_app(), host, port, shutdown_trigger=shutdown_trigger, task_status=task_status)
