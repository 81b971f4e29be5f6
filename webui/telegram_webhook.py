"""The Telegram webhook route (webhook mode): Telegram POSTs each update here, one per request.

    POST <telegram.webhook_path>
      X-Telegram-Bot-Api-Secret-Token missing, wrong or not ASCII ─► 401, nothing read further
      body not an Update                                            ─► 400
      update taken in the inbox (`take`)                            ─► 200: the shop handles it
      taken before (Telegram delivered it again, another process)   ─► 200, ignored
      the shop cannot take it now (starting, stopping, no database) ─► 503: Telegram retries later

The update is in the database before the 200 leaves, so a process that dies after answering loses
nothing: the inbox's replay handles it at the next start. The header is compared in constant time,
so the answer's timing tells nothing about the secret.
"""

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

import msgspec
from prometheus_client import Counter
from quart import Response, request
from quart_trio import QuartTrio

from telegram.types import Update

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REQUESTS = Counter("shopkeeper_telegram_webhook_requests_total", "Telegram webhook requests, by outcome", ["outcome"])

# What the shop did with an update a request brought (see the module docstring).
type Taken = Literal["taken", "duplicate", "unavailable"]


@dataclass(frozen=True, kw_only=True)
class TelegramWebhook:
    """Where the route listens, the secret it expects, and who takes each update (the shop's intake)."""

    path: str
    secret: str
    take: Callable[[Update], Awaitable[Taken]]

    def __repr__(self) -> str:
        return f"TelegramWebhook(path={self.path!r}, secret='****')"


def register(app: QuartTrio, hook: TelegramWebhook) -> None:
    expected = hook.secret.encode("ascii")

    @app.post(hook.path)
    async def telegram_webhook() -> Response:
        if not _secret_matches(request.headers.get(SECRET_HEADER), expected):
            REQUESTS.labels("bad_secret").inc()
            return _text(401, "wrong secret token")
        body = await request.get_data(cache=False, as_text=False, parse_form_data=False)
        try:
            update = msgspec.json.decode(body, type=Update)
        except msgspec.DecodeError as error:
            REQUESTS.labels("malformed").inc()
            return _text(400, f"malformed update: {error}")
        taken = await hook.take(update)
        REQUESTS.labels(taken).inc()
        if taken == "unavailable":
            return _text(503, "try again later")
        return _text(200, "ok")


def _secret_matches(given: str | None, expected: bytes) -> bool:
    # The server decodes header bytes as Latin-1: a byte beyond ASCII cannot be part of a secret
    # Telegram accepts, so it is refused before comparing (compare_digest takes ASCII only).
    if not given or not given.isascii():
        return False
    return hmac.compare_digest(given.encode("ascii"), expected)


def _text(status: int, text: str) -> Response:
    return Response(text, status=status, content_type="text/plain; charset=utf-8")
