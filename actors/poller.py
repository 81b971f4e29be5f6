"""The update poller: long-polls getUpdates, keeps every update in the inbox, and offers it to the
per-chat lanes (actors.lanes), which never make it wait.

Offering never blocks: a chat that floods the shop fills only its own bounded backlog, so the poller
goes on fetching, and every other chat is answered as usual.

Confirmation: getUpdates confirms every update below its `offset`. Each fetched batch is written to
the update inbox (storage) before the next getUpdates confirms it; an update is marked handled in the
inbox once handled (or dropped), and at start the poller replays the unhandled ones (after a crash of
the process, or of the poller alone, which the supervisor restarts). A crash therefore loses nothing,
and the poller never fetches again the updates it holds: with many chats in hand, new updates keep
flowing instead of waiting behind the oldest one. An update Telegram delivers again (an answer lost
on the way, a restart before the confirmation) is in the inbox already and is not handled again.
(Across a crash an update not yet marked may be handled again; what must happen once still does: a
purchase by its order token, a payment by its charge id, and the effects that claim their update in
the inbox with their own transaction, such as a credit code redeemed or a dispute opened.)
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NoReturn

import msgspec
import trio
from prometheus_client import Counter

from actors.lanes import ChatLanes
from storage import StorageError, Store
from telegram.client import BotClient
from telegram.config import TelegramSettings
from telegram.errors import BotAPIError, Conflict, NetworkError, ServerError, Unauthorized
from telegram.routing import Dispatcher, chat_key
from telegram.types import Update

log = logging.getLogger(__name__)

POLL_ERRORS = Counter("shopkeeper_poll_errors_total", "getUpdates failures, by kind", ["kind"])

ALLOWED_UPDATES = ["message", "callback_query", "pre_checkout_query"]
# Handled updates are marked in the inbox together, at most this often; after a failed try, this much later.
MARK_EVERY = 0.05
MARK_RETRY = 1.0
RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)


class UpdatePoller:
    """Supports the trio nursery start protocol: started once the first getUpdates answered."""

    # How updates arrive, as /health tells it (actors.webhook.WebhookIntake says "webhook").
    mode = "polling"

    def __init__(
        self,
        bot: BotClient,
        dispatcher: Dispatcher,
        settings: TelegramSettings,
        store: Store,
        *,
        holder: str | None = None,
        lease_seconds: float = 15.0,
    ) -> None:
        self.bot = bot
        # This process's name on the inbox rows it keeps (storage.inbox: owners); None, one process
        # alone on the database, owning every row.
        self.holder = holder
        self.lease_seconds = lease_seconds
        self.store = store
        self.dispatcher = dispatcher
        self.settings = settings
        self.last_ok: float | None = None
        self.last_error: str | None = None
        self._highest: int | None = None
        self._progress = trio.Event()
        # Handled and not yet marked in the inbox; kept across a crash of the poller alone.
        self._to_mark: list[int] = []
        self._lanes: ChatLanes | None = None
        self._stopping = False
        self._intake = trio.CancelScope()
        self.adopting = False

    @property
    def idle(self) -> bool:
        """No update in hand: the lanes hold none (see ChatLanes.idle) and every handled one is marked
        in the inbox or being marked. With Telegram holding no unconfirmed update and the inbox none
        unhandled, nothing more happens until a new update arrives (tests wait for that)."""
        return not self._to_mark and (self._lanes is None or self._lanes.idle)

    def stop(self) -> None:
        """Stop fetching; updates already fetched are still handled, then `run` returns."""
        self._stopping = True
        self._intake.cancel()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        # A run after a crash starts afresh: what the crashed run had in hand is in the inbox, replayed below.
        lanes = self._lanes = ChatLanes(self.dispatcher, workers=self.settings.lanes, done=self._done)
        # The lanes adopted updates go to, until they close.
        self._offering: ChatLanes | None = lanes
        self._intake = trio.CancelScope()
        ready = False

        def started() -> None:
            nonlocal ready
            ready = True
            task_status.started()

        if self._stopping:
            self._intake.cancel()
        async with trio.open_nursery() as outer:
            outer.start_soon(self._marker)
            async with trio.open_nursery() as nursery:
                await nursery.start(lanes.run)
                if self.holder is not None:
                    # Alive before keeping any row: a row of an owner with no lease is adoptable.
                    await outer.start(self._heartbeat, lanes)
                with self._intake:
                    await self._replay(lanes)
                    await self._poll(lanes, started)
                self._offering = None
                lanes.close()
            outer.cancel_scope.cancel()
        await self._finish()
        if not ready:
            # Stopped before Telegram's first answer (just started, or the Bot API unreachable): a
            # clean stop, not a start that failed, which the supervisor would take for a crash.
            task_status.started()

    async def _replay(self, lanes: ChatLanes) -> None:
        """Offer what a crash left unhandled in the inbox, oldest first (not what a crashed run of
        this poller handled and had yet to mark)."""
        marking = set(self._to_mark)
        for payload in await self.store.unhandled_updates(self.holder):
            update = msgspec.json.decode(payload, type=Update)
            self._seen(update.update_id)
            if update.update_id not in marking:
                lanes.offer(update)

    async def _poll(self, lanes: ChatLanes, started_now: Callable[[], None]) -> NoReturn:
        started = False
        failures = 0
        while True:
            await lanes.wait_for_room()
            try:
                updates = await self.bot.get_updates(
                    offset=self._offset(),
                    limit=100,
                    # The first call answers at once: it proves the Bot API works before the long polls.
                    timeout=self.settings.poll_timeout if started else 0,
                    allowed_updates=ALLOWED_UPDATES,
                )
                fresh = await self._stash(updates) if updates else []
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
                started_now()
                started = True
            for update in fresh:
                lanes.offer(update)

    async def _stash(self, updates: list[Update]) -> list[Update]:
        """Keep a fetched batch in the inbox before the next getUpdates confirms it; returns the
        updates not kept before (the others were handled, or are in hand already)."""
        kept = [(u.update_id, chat_key(u), msgspec.json.encode(u)) for u in updates]
        new = set(await self.store.stash_updates(kept, self.holder))
        for update in updates:
            self._seen(update.update_id)
        return [update for update in updates if update.update_id in new]

    async def _heartbeat(self, lanes: ChatLanes, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> NoReturn:
        """Renew this process's lease every third of it, and adopt the rows of processes gone since
        (killed after keeping updates): they are handled here within the lease time. Started once
        the lease is first written (or the database refused: the replay then fails alike)."""
        holder = self.holder
        assert holder is not None
        await self._beat()
        task_status.started()
        while True:
            await trio.sleep(self.lease_seconds / 3)
            if not await self._beat() or lanes is not self._offering:
                continue
            # Rows become this process's at the UPDATE and reach the lanes only after it: a chat's
            # later update must not overtake them meanwhile (actors.webhook holds it while this is set).
            self.adopting = True
            try:
                adopted = await self.store.adopt_updates(holder, now=datetime.now(UTC))
            except StorageError as error:
                log.warning("inbox rows of processes gone not adopted: %s", error)
                continue
            finally:
                self.adopting = False
            for _, payload in adopted:
                # Not once closing: the rows stay this process's, adopted by the next start or another.
                if lanes is self._offering:
                    lanes.offer(msgspec.json.decode(payload, type=Update))

    async def _beat(self) -> bool:
        assert self.holder is not None
        now = datetime.now(UTC)
        try:
            await self.store.beat(self.holder, now=now, until=now + timedelta(seconds=self.lease_seconds))
        except StorageError as error:
            log.warning("inbox lease not renewed: %s", error)
            return False
        return True

    def _seen(self, update_id: int) -> None:
        if self._highest is None or update_id > self._highest:
            self._highest = update_id

    def _offset(self) -> int | None:
        return None if self._highest is None else self._highest + 1

    def _done(self, update_id: int) -> None:
        self._to_mark.append(update_id)
        self._progress.set()

    async def _marker(self) -> NoReturn:
        """Mark handled updates in the inbox, a batch at a time."""
        while True:
            await self._progress.wait()
            self._progress = trio.Event()
            if await self._mark():
                await trio.sleep(MARK_EVERY)
            else:
                await trio.sleep(MARK_RETRY)
                self._progress.set()

    async def _mark(self) -> bool:
        """Mark what was handled; False when the database refused (kept for the next try)."""
        marked, self._to_mark = self._to_mark, []
        if not marked:
            return True
        try:
            await self.store.mark_handled(marked)
        except StorageError as error:
            # At worst a crash now replays updates already handled.
            self._to_mark[:0] = marked
            log.warning("could not mark handled updates: %s", error)
            return False
        except BaseException:
            # Cancelled mid-crossing (a stop, or the poller crashed): the batch is still to be marked,
            # by _finish or the next run (whose replay skips it); marking twice is harmless.
            self._to_mark[:0] = marked
            raise
        return True

    async def _finish(self) -> None:
        """Mark what was handled and confirm every fetched update to Telegram (all are in the inbox),
        so the next start neither replays what was handled nor refetches anything."""
        with trio.move_on_after(2, shield=True):
            await self._mark()
            offset = self._offset()
            if offset is None:
                return
            try:
                await self.bot.get_updates(offset=offset, limit=1, timeout=0, allowed_updates=ALLOWED_UPDATES)
            except (BotAPIError, NetworkError) as error:
                log.info("final confirmation failed: %s", error)
        await self._stop_beating()

    async def _stop_beating(self) -> None:
        """A graceful stop: what is left unhandled (payments waiting for a retry) may be adopted at once."""
        if self.holder is None:
            return
        with trio.move_on_after(2, shield=True):
            try:
                await self.store.stop_beating(self.holder)
            except StorageError as error:
                log.info("inbox lease not released (it runs out): %s", error)
