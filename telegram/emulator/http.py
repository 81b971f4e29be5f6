"""The HTTP face of the emulator: one request handler, two doors.

`handle(emu, method, path, query, content_type, body) -> Reply` routes `/bot<token>/<method>` to the
Bot API core, `GET /file/bot<token>/<file_path>` to the files getFile made downloadable (`files.py`) and
`/_emulator/...` to the test API. `EmulatorTransport` (httpx) and `asgi_app` (ASGI3,
for hypercorn) are thin adapters around it, so a bot under test sees the same answers either way.

Lost answers (faults "timeout" and "drop") are where the doors differ, as real networks do:
- transport: "timeout" waits the client's read timeout (from the request's timeout extension) then
  raises httpx.ReadTimeout; with no read timeout it never answers. "drop" raises
  httpx.RemoteProtocolError("Server disconnected without sending a response.").
- ASGI: "timeout" never answers (the client times out and disconnects, which cancels us);
  "drop" starts a response announcing a body it never sends, so the server closes the connection
  mid-response and the client sees a protocol error instead of an answer.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import httpx
import msgspec
import trio

from .errors import ApiError
from .files import downloadable
from .params import decode_params
from .testapi import handle_test_api

if TYPE_CHECKING:
    from .core import Emulator

_JSON = ("content-type", "application/json")


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    lost: str | None = None  # "timeout" | "drop": no answer reaches the client


def json_reply(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> Reply:
    return Reply(status, msgspec.json.encode(payload), [_JSON, *(headers or [])])


async def handle(emu: "Emulator", method: str, path: str, query: bytes, content_type: str, body: bytes) -> Reply:
    path = unquote(path)
    if path.startswith("/_emulator/"):
        return await handle_test_api(emu, method, path.removeprefix("/_emulator"), query, body)
    if path.startswith("/bot"):
        token, sep, api_method = path[4:].partition("/")
        if sep and api_method and "/" not in api_method:
            try:
                params = decode_params(query, content_type, body)
            except ApiError as e:
                return json_reply(e.error_code, {"ok": False, "error_code": e.error_code, "description": e.description})
            outcome = await emu.call_api(token, api_method, params)
            if outcome.lost:
                return Reply(0, lost=outcome.lost)
            return json_reply(outcome.status, outcome.body, outcome.headers)
    if path.startswith("/file/bot") and method.upper() == "GET":
        token, _, file_path = path.removeprefix("/file/bot").partition("/")
        stored = downloadable(emu, token, file_path)
        if stored is not None and stored.content is not None:
            return Reply(200, stored.content, [("content-type", stored.mime_type or "application/octet-stream")])
    return json_reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})


class EmulatorTransport(httpx.AsyncBaseTransport):
    """httpx transport answering every host from the emulator: `AsyncClient(transport=emu.transport())`."""

    def __init__(self, emu: "Emulator") -> None:
        self._emu = emu

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        reply = await handle(
            self._emu, request.method, request.url.path, request.url.query,
            request.headers.get("content-type", ""), body,
        )
        if reply.lost == "timeout":
            read_timeout = (request.extensions.get("timeout") or {}).get("read")
            if read_timeout is None:
                await trio.sleep_forever()
            await trio.sleep(read_timeout)
            raise httpx.ReadTimeout("timed out (emulated)", request=request)
        if reply.lost == "drop":
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        return httpx.Response(reply.status, headers=reply.headers, content=reply.body, request=request)


def make_asgi_app(emu: "Emulator") -> Any:
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
        reply = await handle(
            emu, scope["method"], scope["path"], scope.get("query_string", b""),
            headers.get("content-type", ""), b"".join(chunks),
        )
        if reply.lost == "timeout":
            await trio.sleep_forever()
        if reply.lost == "drop":
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")]})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await send({
            "type": "http.response.start",
            "status": reply.status,
            "headers": [(k.encode(), v.encode()) for k, v in reply.headers]
            + [(b"content-length", str(len(reply.body)).encode())],
        })
        await send({"type": "http.response.body", "body": reply.body})

    return app
