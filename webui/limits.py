"""Request body limits: the web app reads a small body at most, on every route.

Quart reads a request's whole body into memory before any limit of its own applies (a body without
a Content-Length is taken in full, whatever its size), so the limit sits in front of the app, as ASGI
middleware: a body over its route's limit is answered 413 before the app sees the request. No
handler runs for it, so nothing is processed and nothing credited. A declared Content-Length over
the limit is refused without reading the body; a body sent in chunks is refused as soon as what has
arrived passes the limit. A body within the limit is handed on to the app as it came.
"""

from collections.abc import Mapping

from hypercorn.typing import ASGIFramework, ASGIReceiveCallable, ASGIReceiveEvent, ASGISendCallable, HTTPScope, Scope
from prometheus_client import Counter

REFUSED = Counter("shopkeeper_web_bodies_refused_total", "Web requests answered 413: a body over its route's limit")


class BodyLimit:
    """ASGI middleware: at most `limits[path]` bytes of body on that path, `default` on any other."""

    def __init__(self, app: ASGIFramework, *, default: int, limits: Mapping[str, int]) -> None:
        self.app = app
        self.default = default
        self.limits = dict(limits)

    async def __call__(self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await read_body(scope, receive, send, self.limits.get(scope["path"], self.default))
        if body is not None:
            await self.app(scope, _replay(body, receive), send)


async def read_body(scope: HTTPScope, receive: ASGIReceiveCallable, send: ASGISendCallable, limit: int) -> bytes | None:
    """The request's whole body; None when it was over `limit` bytes (answered 413 here, the rest
    unread) or the client went away before it ended (nothing to answer)."""
    if _declared_length(scope) > limit:
        await _too_large(send)
        return None
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        body += message.get("body", b"")
        if len(body) > limit:
            await _too_large(send)
            return None
        if not message.get("more_body", False):
            return bytes(body)


def _declared_length(scope: HTTPScope) -> int:
    """The Content-Length header's value; 0 when absent or not a number (the body is counted as it comes)."""
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def _replay(body: bytes, receive: ASGIReceiveCallable) -> ASGIReceiveCallable:
    """The body read, as one message; then whatever the client sends next (its disconnect)."""
    pending = True

    async def replayed() -> ASGIReceiveEvent:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _too_large(send: ASGISendCallable) -> None:
    REFUSED.inc()
    text = b"request body too large"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(text)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": text, "more_body": False})
