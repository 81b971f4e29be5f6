"""The HTTP face of the CryptoPay twin: one request handler, two doors (as in telegram/emulator/http.py).

`handle(twin, method, path, query, headers, body) -> Reply` routes `/api/<method>` to the Crypto Bot API
and `/_twin/...` to the test API. `TwinTransport` (httpx, in process) and the ASGI3 app (for hypercorn,
`serve_twin`) are thin adapters around it, so a client sees the same answers either way.

Test API (JSON out; errors are {"error": "..."} with status 400, 404 for an unknown invoice, 502 when the
webhook receiver is unreachable):

    GET  /_twin/invoices                                             → [Invoice]
    POST /_twin/invoices/{id}/pay      {asset?, paid_amount?}         → Invoice
    POST /_twin/invoices/{id}/expire                                  → Invoice
    POST /_twin/invoices/{id}/webhook  ?signature=valid|bad|none&url=&update_id=  → {"status": N}

`{id}` may be `latest`: the newest invoice (a walk-through's shell needs no id copied from a listing).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

import httpx
import msgspec
import trio
from hypercorn.config import Config
from hypercorn.trio import serve

if TYPE_CHECKING:
    from .twin import CryptoPayTwin

_JSON = ("content-type", "application/json")


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=lambda: [_JSON])


def _json(status: int, payload: Any) -> Reply:
    return Reply(status, msgspec.json.encode(payload))


async def handle(
    twin: "CryptoPayTwin", method: str, path: str, query: bytes, headers: dict[str, str], body: bytes
) -> Reply:
    """Answer one HTTP request. `headers` has lowercase names."""
    path = unquote(path)
    if path.startswith("/_twin/"):
        return await _test_api(twin, method.upper(), path.removeprefix("/_twin/"), query, body)
    api_method = path.removeprefix("/api/") if path.startswith("/api/") else ""
    if not api_method or "/" in api_method:
        return _json(404, {"ok": False, "error": {"code": 404, "name": "NOT_FOUND"}})
    try:
        params = _params(query, headers.get("content-type", ""), body)
    except ValueError:
        return _json(400, {"ok": False, "error": {"code": 400, "name": "PARAMS_INVALID"}})
    status, envelope = twin.call_api(headers.get("crypto-pay-api-token"), api_method, params)
    return _json(status, envelope)


def _params(query: bytes, content_type: str, body: bytes) -> dict[str, Any]:
    """CryptoPay takes parameters in the query string, a JSON body or a urlencoded form, like the Bot API."""
    params: dict[str, Any] = dict(parse_qsl(query.decode("latin-1")))
    if not body:
        return params
    if content_type.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode()))
        return params
    try:
        data = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise ValueError("body is not JSON") from None
    if not isinstance(data, dict):
        raise ValueError("body is not a JSON object")
    params.update(data)
    return params


async def _test_api(twin: "CryptoPayTwin", method: str, path: str, query: bytes, body: bytes) -> Reply:
    from .twin import UnknownInvoice, invoice_json  # late: twin imports this module

    try:
        data = msgspec.json.decode(body) if body else {}
    except msgspec.DecodeError:
        return _json(400, {"error": "body must be JSON"})
    if not isinstance(data, dict):
        return _json(400, {"error": "body must be a JSON object"})
    args = dict(parse_qsl(query.decode("latin-1")))
    parts = [p for p in path.split("/") if p]
    try:
        match method, parts:
            case "GET", ["invoices"]:
                return _json(200, [invoice_json(invoice) for invoice in twin.invoices.values()])
            case "POST", ["invoices", invoice_id, "pay"]:
                paid_amount = data.get("paid_amount")
                invoice = twin.mark_paid(_invoice_id(twin, invoice_id), asset=data.get("asset", "USDT"),
                                         paid_amount=None if paid_amount is None else Decimal(str(paid_amount)))
                return _json(200, invoice_json(invoice))
            case "POST", ["invoices", invoice_id, "expire"]:
                return _json(200, invoice_json(twin.mark_expired(_invoice_id(twin, invoice_id))))
            case "POST", ["invoices", invoice_id, "webhook"]:
                signature = args.get("signature", "valid")
                update_id = args.get("update_id")
                try:
                    status = await twin.send_webhook(
                        _invoice_id(twin, invoice_id), signature=None if signature == "none" else signature,
                        url=args.get("url"), update_id=None if update_id is None else int(update_id),
                    )
                except httpx.TransportError as e:
                    return _json(502, {"error": f"webhook receiver unreachable: {type(e).__name__}"})
                return _json(200, {"status": status})
        return _json(404, {"error": f"no test route {method} /_twin/{path}"})
    except UnknownInvoice as e:
        return _json(404, {"error": str(e)})
    except (ValueError, InvalidOperation) as e:
        return _json(400, {"error": str(e) or type(e).__name__})


def _invoice_id(twin: "CryptoPayTwin", text: str) -> int:
    """The invoice a test route names: its id, or `latest` for the newest one."""
    from .twin import UnknownInvoice  # late: twin imports this module

    if text != "latest":
        return int(text)
    if not twin.invoices:
        raise UnknownInvoice("no invoice yet")
    return max(twin.invoices)


class TwinTransport(httpx.AsyncBaseTransport):
    """httpx transport answering every host from the twin: `CryptoPayClient(token, transport=twin.transport())`."""

    def __init__(self, twin: "CryptoPayTwin") -> None:
        self._twin = twin

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        headers = {name.lower(): value for name, value in request.headers.items()}
        reply = await handle(self._twin, request.method, request.url.path, request.url.query, headers, body)
        return httpx.Response(reply.status, headers=reply.headers, content=reply.body, request=request)


def make_asgi_app(twin: "CryptoPayTwin") -> Any:
    """A plain ASGI3 app with the same routes as the transport (lifespan accepted and ignored)."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        reply = await handle(twin, scope["method"], scope["path"], scope.get("query_string", b""), headers,
                             b"".join(chunks))
        await send({
            "type": "http.response.start",
            "status": reply.status,
            "headers": [(k.encode(), v.encode()) for k, v in reply.headers]
            + [(b"content-length", str(len(reply.body)).encode())],
        })
        await send({"type": "http.response.body", "body": reply.body})

    return app


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
    config = Config()
    config.bind = [f"{host}:{port}"]
    config.accesslog = None
    config.graceful_timeout = 0.5

    async def started(task_status: trio.TaskStatus[list[str]] = trio.TASK_STATUS_IGNORED) -> None:
        await serve(twin.asgi_app(), config, shutdown_trigger=shutdown_trigger or trio.sleep_forever,
                    task_status=task_status)

    async with trio.open_nursery() as nursery:
        binds = await nursery.start(started)
        # hypercorn reports "http://127.0.0.1:54321"; the port is what callers need to connect.
        task_status.started(int(binds[0].rsplit(":", 1)[1]))
