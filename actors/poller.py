"""The update poller: long-polls getUpdates and feeds per-chat ordered lanes.

One chat's updates are handled in order (a chat always goes to the same lane); different chats run
concurrently, one per lane. Lanes are bounded channels, so a flood of updates slows the poller down
instead of filling memory.

Confirmation: getUpdates confirms every update below its `offset`. Each fetched batch is written to
the update inbox (storage) before the next getUpdates confirms it, and an update leaves the inbox
once handled; at start the poller replays whatever a crash left there (of the process, or of the
poller alone, which the supervisor restarts). A crash therefore loses nothing, and the poller never
fetches again the updates it holds: with many chats in hand, new updates keep flowing instead of
waiting behind the oldest one. Updates seen twice are recognised by
id and handled once. (Across a crash an update may be handled again; the purchase it carries is
idempotent by its order token, so nobody is charged twice.)
"""

import logging
from collections import deque
from typing import NoReturn

import msgspec
import trio
from prometheus_client import Counter

from storage import StorageError, Store
from telegram.client import BotClient
from telegram.config import TelegramSettings
from telegram.errors import BotAPIError, Conflict, NetworkError, ServerError, Unauthorized
from telegram.routing import Dispatcher
from telegram.types import Update

log = logging.getLogger(__name__)

POLL_ERRORS = Counter("shopkeeper_poll_errors_total", "getUpdates failures, by kind", ["kind"])

ALLOWED_UPDATES = ["message", "callback_query", "pre_checkout_query"]
LANE_BUFFER = 16
# Remember this many handled update ids to drop repeats.
REMEMBERED = 10_000
# Handled updates are released from the inbox together, at most this often.
RELEASE_EVERY = 0.05
RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)


class UpdatePoller:
    """Supports the trio nursery start protocol: started once the first getUpdates answered."""

    def __init__(self, bot: BotClient, dispatcher: Dispatcher, settings: TelegramSettings, store: Store) -> None:
        self.bot = bot
        self.store = store
        self.dispatcher = dispatcher
        self.settings = settings
        self.last_ok: float | None = None
        self.last_error: str | None = None
        self._in_flight: set[int] = set()
        self._handled: set[int] = set()
        self._handled_order: deque[int] = deque()
        self._highest: int | None = None
        self._progress = trio.Event()
        self._to_release: list[int] = []
        self._stopping = False
        self._intake = trio.CancelScope()

    def stop(self) -> None:
        """Stop fetching; updates already fetched are still handled, then `run` returns."""
        self._stopping = True
        self._intake.cancel()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        lanes: list[trio.MemorySendChannel[Update]] = []
        # A run after a crash starts afresh: what the crashed run had in hand is in the inbox, replayed below.
        self._in_flight.clear()
        self._intake = trio.CancelScope()
        if self._stopping:
            self._intake.cancel()
        async with trio.open_nursery() as outer:
            outer.start_soon(self._releaser)
            async with trio.open_nursery() as nursery:
                for _ in range(max(1, self.settings.lanes)):
                    send, receive = trio.open_memory_channel[Update](LANE_BUFFER)
                    lanes.append(send)
                    nursery.start_soon(self._lane, receive)
                with self._intake:
                    await self._replay(lanes)
                    await self._poll(lanes, task_status)
                for send in lanes:
                    await send.aclose()
            outer.cancel_scope.cancel()
        await self._finish()

    async def _replay(self, lanes: list[trio.MemorySendChannel[Update]]) -> None:
        """Hand out what a crash left in the inbox, oldest first (after a crash of this run, not what
        it handled and has yet to release)."""
        for payload in await self.store.unhandled_updates():
            update = msgspec.json.decode(payload, type=Update)
            if update.update_id not in self._handled:
                await self._hand_out(update, lanes)

    async def _poll(self, lanes: list[trio.MemorySendChannel[Update]], task_status: trio.TaskStatus[None]) -> NoReturn:
        started = False
        failures = 0
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=self._offset(),
                    limit=100,
                    # The first call answers at once: it proves the Bot API works before the long polls.
                    timeout=self.settings.poll_timeout if started else 0,
                    allowed_updates=ALLOWED_UPDATES,
                )
                fresh = [u for u in updates if u.update_id not in self._in_flight and u.update_id not in self._handled]
                if fresh:
                    # Kept before the next getUpdates confirms them to Telegram.
                    await self.store.stash_updates([(u.update_id, msgspec.json.encode(u)) for u in fresh])
            except Unauthorized:
                raise
            except (Conflict, ServerError, NetworkError, BotAPIError, StorageError) as error:
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
            for update in fresh:
                await self._hand_out(update, lanes)

    async def _hand_out(self, update: Update, lanes: list[trio.MemorySendChannel[Update]]) -> None:
        uid = update.update_id
        self._in_flight.add(uid)
        if self._highest is None or uid > self._highest:
            self._highest = uid
        await lanes[_chat_key(update) % len(lanes)].send(update)

    def _offset(self) -> int | None:
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
                # Not on cancellation: an update cut off by a crash stays in the inbox for the replay.
                self._done(update.update_id)

    def _done(self, update_id: int) -> None:
        self._in_flight.discard(update_id)
        self._handled.add(update_id)
        self._handled_order.append(update_id)
        if len(self._handled_order) > REMEMBERED:
            self._handled.discard(self._handled_order.popleft())
        self._to_release.append(update_id)
        self._progress.set()

    async def _releaser(self) -> NoReturn:
        """Take handled updates out of the inbox, a batch at a time."""
        while True:
            await self._progress.wait()
            self._progress = trio.Event()
            await self._release()
            await trio.sleep(RELEASE_EVERY)

    async def _release(self) -> None:
        released, self._to_release = self._to_release, []
        if not released:
            return
        try:
            await self.store.release_updates(released)
        except StorageError as error:
            # Kept for the next round; at worst a crash now replays updates already handled.
            self._to_release.extend(released)
            log.warning("could not release handled updates: %s", error)

    async def _finish(self) -> None:
        """Release what was handled and confirm every fetched update to Telegram (all are in the
        inbox or handled), so the next start neither replays nor refetches them."""
        with trio.move_on_after(2, shield=True):
            await self._release()
            offset = self._offset()
            if offset is None:
                return
            try:
                await self.bot.get_updates(offset=offset, limit=1, timeout=0, allowed_updates=ALLOWED_UPDATES)
            except (BotAPIError, NetworkError) as error:
                log.info("final confirmation failed: %s", error)


def _chat_key(update: Update) -> int:
    """The lane (and conversation) key: the chat, or the user for a button without a message."""
    if update.message is not None:
        return update.message.chat.id
    if update.callback_query is not None:
        query = update.callback_query
        return query.message.chat.id if query.message is not None else query.from_.id
    if update.pre_checkout_query is not None:
        return update.pre_checkout_query.from_.id
    return 0
