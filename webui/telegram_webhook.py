"""The Telegram webhook (webhook mode): Telegram POSTs each update here, one per request.

    POST <telegram.webhook_path>
      X-Telegram-Bot-Api-Secret-Token missing, wrong or not ASCII ─► 401, the body not read
      body over the web app's limit (webui.limits)                  ─► 413, nothing processed
      body not an Update                                            ─► 400
      update taken in the inbox (`take`)                            ─► 200 once handled (at most
                                                                       reply.PATIENCE s): the shop's
                                                                       answer to a button as its body
      taken before (Telegram delivered it again, another process)   ─► 200, ignored
      the shop cannot take it now (starting, stopping, no database) ─► 503: Telegram retries later
    any other method on the path                                    ─► 405

The update is in the database before the 200 leaves, so a process that dies after answering loses
nothing: the inbox's replay handles it at the next start. The header is compared in constant time,
so the answer's timing tells nothing about the secret.

The path is served by `WebhookFront`, a small ASGI app in front of the Quart app rather than by a
Quart route: every update is one request, and Quart's request and response objects, request context
and hooks cost CPU for each. Measured with bench/updates.py --mode webhook (200 users, 2 cores
shared with other work), the shop's CPU per update handled went from 9.4 ms as a Quart route to
8.1 ms here (means of three alternating runs). The answers carry the headers every page has.
"""

import hmac
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import msgspec
from hypercorn.typing import ASGIFramework, ASGIReceiveCallable, ASGISendCallable, HTTPScope, Scope
from prometheus_client import Counter

from telegram.client.reply import WebhookReply
from telegram.types import Update
from webui.limits import read_body

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REQUESTS = Counter("shopkeeper_telegram_webhook_requests_total", "Telegram webhook requests, by outcome", ["outcome"])

# What the shop did with an update a request brought (see the module docstring).
type Taken = Literal["taken", "duplicate", "unavailable"]


@dataclass(frozen=True, kw_only=True)
class TelegramWebhook:
    """Where the route listens, the secret it expects, and who takes each update (the shop's intake)."""

    path: str
    secret: str
    take: Callable[[Update], Awaitable[tuple[Taken, WebhookReply | None]]]

    def __repr__(self) -> str:
        return f"TelegramWebhook(path={self.path!r}, secret='****')"


class WebhookFront:
    """ASGI app answering the webhook path itself (see the module docstring) and handing every other
    request to `app`. `body_max` is the most body a request may carry; `headers` go on every answer."""

    def __init__(self, app: ASGIFramework, hook: TelegramWebhook, *, body_max: int, headers: Iterable[tuple[str, str]]) -> None:
        self.app = app
        self.hook = hook
        self.body_max = body_max
        self._secret_header = SECRET_HEADER.lower().encode("ascii")
        self._expected = hook.secret.encode("ascii")
        self._headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]

    async def __call__(self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        if scope["type"] != "http" or scope["path"] != self.hook.path:
            await self.app(scope, receive, send)
            return
        if scope["method"] != "POST":
            await self._answer(send, 405, "method not allowed", [(b"allow", b"POST")])
            return
        if not _secret_matches(self._given_secret(scope), self._expected):
            REQUESTS.labels("bad_secret").inc()
            await self._answer(send, 401, "wrong secret token")
            return
        body = await read_body(scope, receive, send, self.body_max)
        if body is None:
            return  # answered 413, or the client went away
        try:
            update = msgspec.json.decode(body, type=Update)
        except msgspec.DecodeError as error:
            REQUESTS.labels("malformed").inc()
            await self._answer(send, 400, f"malformed update: {error}")
            return
        taken, reply = await self.hook.take(update)
        REQUESTS.labels(taken).inc()
        carried = None if reply is None else await reply.answer()
        if taken == "unavailable":
            await self._answer(send, 503, "try again later")
        elif carried is not None:
            await self._send(send, 200, carried, b"application/json")
        else:
            await self._answer(send, 200, "ok")

    def _given_secret(self, scope: HTTPScope) -> bytes | None:
        for name, value in scope["headers"]:
            if name.lower() == self._secret_header:
                return value
        return None

    async def _answer(self, send: ASGISendCallable, status: int, text: str, extra: Iterable[tuple[bytes, bytes]] = ()) -> None:
        await self._send(send, status, text.encode(), b"text/plain; charset=utf-8", extra)

    async def _send(
        self, send: ASGISendCallable, status: int, body: bytes, kind: bytes, extra: Iterable[tuple[bytes, bytes]] = ()
    ) -> None:
        headers = [
            (b"content-type", kind),
            (b"content-length", str(len(body)).encode("ascii")),
            *self._headers,
            *extra,
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers, "trailers": False})
        await send({"type": "http.response.body", "body": body, "more_body": False})


def _secret_matches(given: bytes | None, expected: bytes) -> bool:
    # Header bytes beyond ASCII cannot be part of a secret Telegram accepts, so they are refused
    # before comparing (as the server would decode them as Latin-1, never matching an ASCII secret).
    if not given or not given.isascii():
        return False
    return hmac.compare_digest(given, expected)
