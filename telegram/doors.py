"""The two doors of an in-memory service (the Bot API emulator, the CryptoPay twin): in process as an
httpx transport, and over loopback HTTP as an ASGI3 app served by hypercorn. Both doors hand every
request to one `Router`, so a client sees the same answers through either.

    router = Router([("/api/", api), ("/_test/", test_api)], not_found=..., too_large=..., max_body=1 << 20)
    client = httpx.AsyncClient(transport=Transport(router))
    port = await nursery.start(serve, asgi_app(router))

A route is a path prefix and a handler: the first route whose prefix starts the (percent-decoded) path
gets the request with that prefix removed; a handler returning None passes it on, and a request no
route takes is answered `not_found`. A body longer than `max_body` is answered `too_large` unread by
any handler (the ASGI door drains it without keeping it).

Lost answers (`Reply.lost`, the emulator's faults) differ by door, as real networks do:
- transport: "timeout" waits the client's read timeout (from the request's timeout extension) then
  raises httpx.ReadTimeout; with no read timeout it never answers. "drop" raises
  httpx.RemoteProtocolError("Server disconnected without sending a response.").
- ASGI: "timeout" never answers (the client times out and disconnects, which cancels us); "drop"
  starts a response announcing a body it never sends, so the server closes the connection
  mid-response and the client sees a protocol error instead of an answer.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx
import msgspec
import trio
from hypercorn.config import Config
from hypercorn.trio import serve as hypercorn_serve
from hypercorn.typing import ASGIFramework, ASGIReceiveCallable, ASGISendCallable, Scope

# An ASGI3 app as hypercorn types it: the scope and each event a TypedDict, so what we send is checked.
type ASGIApp = ASGIFramework


@dataclass(frozen=True)
class Request:
    """One request as a handler sees it: `method` upper case, `path` percent-decoded with the route's
    prefix removed, `headers` with lower-case names."""

    method: str
    path: str
    query: bytes
    headers: Mapping[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


@dataclass(frozen=True)
class Reply:
    """One answer; `lost` = "timeout" | "drop" when no answer is to reach the client (see the module docstring)."""

    status: int
    body: bytes = b""
    headers: Sequence[tuple[str, str]] = ()
    lost: str | None = None  # "timeout" | "drop"


def json_reply(status: int, payload: Any, headers: Sequence[tuple[str, str]] = ()) -> Reply:
    """`payload` as a JSON answer (msgspec encodes it: dicts, lists, Structs, Decimals as strings)."""
    return Reply(status, msgspec.json.encode(payload), [("content-type", "application/json"), *headers])


@dataclass(frozen=True)
class CallToTestApi:
    """A request to a stand-in's test API, read: its JSON object body (empty without a body), its query's
    arguments, and its path's parts."""

    data: dict[str, Any]
    args: dict[str, str]
    parts: list[str]


def read_test_call(request: Request) -> CallToTestApi | Reply:
    """`request` read as both test APIs take theirs; a 400 answer when the body is not a JSON object."""
    try:
        data = msgspec.json.decode(request.body) if request.body else {}
    except msgspec.DecodeError:
        return json_reply(400, {"error": "body must be JSON"})
    if not isinstance(data, dict):
        return json_reply(400, {"error": "body must be a JSON object"})
    args = dict(parse_qsl(request.query.decode("latin-1")))
    return CallToTestApi(data, args, [part for part in request.path.split("/") if part])


type Handler = Callable[[Request], Awaitable[Reply | None]]


@dataclass(frozen=True)
class Router:
    """The routes of one service, with its answers to a path no route takes and to a body over `max_body` bytes."""

    routes: Sequence[tuple[str, Handler]]
    not_found: Reply
    too_large: Reply
    max_body: int

    async def answer(self, method: str, path: str, query: bytes, headers: Mapping[str, str], body: bytes) -> Reply:
        """Answer one request (`headers` with lower-case names)."""
        if len(body) > self.max_body:
            return self.too_large
        path = unquote(path)
        for prefix, handler in self.routes:
            if path.startswith(prefix):
                reply = await handler(Request(method.upper(), path.removeprefix(prefix), query, headers, body))
                if reply is not None:
                    return reply
        return self.not_found


class Transport(httpx.AsyncBaseTransport):
    """httpx transport answering every host from `router`: `httpx.AsyncClient(transport=Transport(router))`."""

    def __init__(self, router: Router) -> None:
        self._router = router

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        headers = {name.lower(): value for name, value in request.headers.items()}
        reply = await self._router.answer(request.method, request.url.path, request.url.query, headers, body)
        if reply.lost == "timeout":
            read_timeout = (request.extensions.get("timeout") or {}).get("read")
            if read_timeout is None:
                await trio.sleep_forever()
            await trio.sleep(read_timeout)
            raise httpx.ReadTimeout("timed out (emulated)", request=request)
        if reply.lost == "drop":
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        return httpx.Response(reply.status, headers=list(reply.headers), content=reply.body, request=request)


def asgi_app(router: Router) -> ASGIApp:
    """A plain ASGI3 app answering from `router` (lifespan events accepted and ignored, other scopes unanswered)."""

    async def app(scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await _read_body(receive, router.max_body)
        if body is None:
            return  # the client went away
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        reply = await router.answer(scope["method"], scope["path"], scope.get("query_string", b""), headers, body)
        if reply.lost == "timeout":
            await trio.sleep_forever()
        if reply.lost == "drop":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")],
                }
            )
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [(k.encode(), v.encode()) for k, v in reply.headers]
                + [(b"content-length", str(len(reply.body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": reply.body, "more_body": False})

    return app


async def _lifespan(receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _read_body(receive: ASGIReceiveCallable, limit: int) -> bytes | None:
    """The request body, or None when the client disconnected. Once past `limit` bytes the rest is
    drained unkept: what is returned is then just over `limit` long, enough for the router to refuse."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None  # http.disconnect, the only other event of an HTTP scope
        if size <= limit:
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def serve(
    app: ASGIApp,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    error_log: bool = True,
    shutdown_trigger: Callable[[], Awaitable[None]] | None = None,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve `app` with hypercorn on host:port until cancelled (or `shutdown_trigger` returns).

    Supports the Trio nursery start protocol: `port = await nursery.start(serve, app, "127.0.0.1", 0)`
    returns the bound port once the socket is listening (port 0 picks a free one).

    Args:
      error_log: False silences hypercorn's error log (the emulator's "drop" fault makes it log a
        protocol error on purpose).

    Error handling: bind errors propagate out of `nursery.start` before started() is called.
    """
    config = Config()
    config.bind = [f"{host}:{port}"]
    config.accesslog = None
    if not error_log:
        config.errorlog = None
    config.graceful_timeout = 0.5

    async def started(task_status: trio.TaskStatus[list[str]] = trio.TASK_STATUS_IGNORED) -> None:
        await hypercorn_serve(app, config, shutdown_trigger=shutdown_trigger or trio.sleep_forever, task_status=task_status)

    async with trio.open_nursery() as nursery:
        binds = await nursery.start(started)
        # hypercorn reports "http://127.0.0.1:54321"; the port is what callers need to connect.
        task_status.started(int(binds[0].rsplit(":", 1)[1]))
