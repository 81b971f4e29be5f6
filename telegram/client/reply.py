"""Answering a button in the webhook request's own response (webhook mode).

The Bot API lets a webhook's HTTP answer carry one method call: a JSON body with `method` and its
parameters, run by Telegram once the request is answered; whether it succeeded is not told. The shop
uses it for answerCallbackQuery, whose result it never reads (an answer only stops the button's
spinner, and a failed one is only logged): one Bot API request less per button press.

    webhook request ─► update claimed ─► WebhookReply made, the update offered to its lane with it
    lane: REPLY set to it while the update is handled ─► answerCallbackQuery ─► `carry_in_reply`
          puts it in the reply instead of sending it (returns True, as Telegram would)
    handling over (or PATIENCE passed) ─► the request answers 200: with the call as its body, or "ok"

A reply takes one call; a second, a call with files, any other method, a reply already answered (the
handler took longer than PATIENCE) or no reply at all (polling, a replayed update): sent as usual.
Measured in bench/updates.py --mode webhook (see README, Operations): the shop's CPU per update.
"""

from contextvars import ContextVar
from typing import Any

import msgspec
import trio
from prometheus_client import Counter

from .api import given_params
from .chain import Call

# Methods whose result the shop does not use, so they can go where no result comes back.
REPLYABLE = frozenset({"answerCallbackQuery"})
# How long a webhook request waits for its update's handler to make such a call.
PATIENCE = 1.0

CARRIED = Counter("shopkeeper_bot_api_carried_total", "Bot API calls carried in webhook answers, by method", ["method"])


class WebhookReply:
    """The answer of one open webhook request: at most one Bot API call for Telegram to run."""

    __slots__ = ("_body", "_done")

    def __init__(self) -> None:
        self._body: bytes | None = None
        self._done = trio.Event()

    def carry(self, method: str, params: dict[str, Any]) -> bool:
        """Put the call in the answer if it is still open and empty; False when it cannot go there."""
        if self._done.is_set():
            return False
        self._body = msgspec.json.encode({**given_params(params), "method": method})
        self._done.set()
        return True

    def close(self) -> None:
        """No call comes: the request answers now."""
        self._done.set()

    async def answer(self, patience: float = PATIENCE) -> bytes | None:
        """The body to answer the request with (None: no call to carry) once a call came, the
        handling ended, or `patience` seconds passed; later calls are sent as usual."""
        with trio.move_on_after(patience):
            await self._done.wait()
        self._done.set()
        return self._body


# The reply of the update the current task is handling, set by its lane (actors.lanes).
REPLY: ContextVar[WebhookReply | None] = ContextVar("webhook_reply", default=None)


async def carry_in_reply(prev: Call, method: str, params: dict[str, Any], files: dict[str, Any] | None) -> Any:
    """Transformer: a REPLYABLE call goes in the open webhook reply when there is one (see above)."""
    reply = REPLY.get()
    if reply is not None and files is None and method in REPLYABLE and reply.carry(method, params):
        CARRIED.labels(method).inc()
        return True
    return await prev(method, params, files)
