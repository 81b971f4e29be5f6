"""The update poller: long-polls getUpdates and feeds per-chat ordered lanes.

One chat's updates are handled in order (a chat always goes to the same lane); different chats run
concurrently, one per lane. Lanes are bounded channels, so a flood of updates slows the poller down
instead of filling memory.

Confirmation: getUpdates confirms every update below its `offset`, so the offset sent is the lowest
update still being handled. A crash therefore loses nothing: Telegram sends the unconfirmed updates
again. Updates fetched again while still in flight, or after being handled, are recognised by id and
handled once. (Across a crash an update may be handled again; the purchase it carries is idempotent
by its callback query id, so nobody is charged twice.)
"""

import logging
from collections import deque
from typing import NoReturn

import trio
from prometheus_client import Counter

from telegram.client import BotClient
from telegram.config import TelegramSettings
from telegram.errors import BotAPIError, Conflict, NetworkError, ServerError, Unauthorized
from telegram.routing import Dispatcher
from telegram.types import Update

log = logging.getLogger(__name__)

POLL_ERRORS = Counter("shopkeeper_poll_errors_total", "getUpdates failures, by kind", ["kind"])

ALLOWED_UPDATES = ["message", "callback_query"]
LANE_BUFFER = 16
# Remember this many handled update ids to drop repeats.
REMEMBERED = 10_000
# With updates in flight and nothing new fetched, wait this long for one to finish before asking again.
IDLE_WAIT = 0.2
RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)


class UpdatePoller:
    """Supports the trio nursery start protocol: started once the first getUpdates answered."""

    def __init__(self, bot: BotClient, dispatcher: Dispatcher, settings: TelegramSettings) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.settings = settings
        self.last_ok: float | None = None
        self.last_error: str | None = None
        self._in_flight: set[int] = set()
        self._handled: set[int] = set()
        self._handled_order: deque[int] = deque()
        self._highest: int | None = None
        self._progress = trio.Event()
        self._intake = trio.CancelScope()

    def stop(self) -> None:
        """Stop fetching; updates already fetched are still handled, then `run` returns."""
        self._intake.cancel()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        lanes: list[trio.MemorySendChannel[Update]] = []
        async with trio.open_nursery() as nursery:
            for _ in range(max(1, self.settings.lanes)):
                send, receive = trio.open_memory_channel[Update](LANE_BUFFER)
                lanes.append(send)
                nursery.start_soon(self._lane, receive)
            with self._intake:
                await self._poll(lanes, task_status)
            for send in lanes:
                await send.aclose()
        await self._confirm_handled()

    async def _poll(self, lanes: list[trio.MemorySendChannel[Update]], task_status: trio.TaskStatus[None]) -> NoReturn:
        started = False
        failures = 0
        while True:
            if self._in_flight:
                # Unconfirmed updates are still being handled: the server would answer at once with
                # them again, so wait for progress (or a moment, for other chats' new updates).
                with trio.move_on_after(IDLE_WAIT):
                    await self._progress.wait()
            self._progress = trio.Event()
            try:
                updates = await self.bot.get_updates(
                    offset=self._offset(),
                    limit=100,
                    # The first call answers at once: it proves the Bot API works before the long polls.
                    timeout=0 if self._in_flight or not started else self.settings.poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
                )
            except Unauthorized:
                raise
            except (Conflict, ServerError, NetworkError, BotAPIError) as error:
                POLL_ERRORS.labels(type(error).__name__).inc()
                self.last_error = str(error)
                delay = RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)]
                failures += 1
                log.warning("getUpdates failed (%s); retrying in %.0f s", error, delay)
                await trio.sleep(delay)
                continue
            failures = 0
            self.last_ok = trio.current_time()
            self.last_error = None
            if not started:
                task_status.started()
                started = True
            for update in updates:
                uid = update.update_id
                if uid in self._in_flight or uid in self._handled:
                    continue
                self._in_flight.add(uid)
                if self._highest is None or uid > self._highest:
                    self._highest = uid
                await lanes[_chat_key(update) % len(lanes)].send(update)

    def _offset(self) -> int | None:
        if self._in_flight:
            return min(self._in_flight)
        return None if self._highest is None else self._highest + 1

    async def _lane(self, receive: trio.MemoryReceiveChannel[Update]) -> None:
        async with receive:
            async for update in receive:
                try:
                    await self.dispatcher.feed(update)
                except Exception:
                    # One update that breaks a handler must not stop its chat's lane or be fetched
                    # again forever: it is logged, counted as failed, and confirmed like the rest.
                    log.exception("update %s failed", update.update_id)
                finally:
                    self._done(update.update_id)

    def _done(self, update_id: int) -> None:
        self._in_flight.discard(update_id)
        self._handled.add(update_id)
        self._handled_order.append(update_id)
        if len(self._handled_order) > REMEMBERED:
            self._handled.discard(self._handled_order.popleft())
        self._progress.set()

    async def _confirm_handled(self) -> None:
        """Tell Telegram what was handled, so the next start does not see it again."""
        offset = self._offset()
        if offset is None:
            return
        with trio.move_on_after(2, shield=True):
            try:
                await self.bot.get_updates(offset=offset, limit=1, timeout=0, allowed_updates=ALLOWED_UPDATES)
            except BotAPIError | NetworkError as error:
                log.info("final confirmation failed: %s", error)


def _chat_key(update: Update) -> int:
    """The lane (and conversation) key: the chat, or the user for a button without a message."""
    if update.message is not None:
        return update.message.chat.id
    if update.callback_query is not None:
        query = update.callback_query
        return query.message.chat.id if query.message is not None else query.from_.id
    return 0
