"""Per-chat lanes: updates are offered without waiting, each chat's are handled in order by a pool of
workers, and a chat that floods the shop loses its excess instead of holding up everyone else.

    offer(update) ─┬─► not from a person in a private chat ─► marked handled, nothing else
                   ├─► pre-checkout query ─► the fast path: answered at once, whatever the chat's backlog
                   └─► the chat's backlog (at most BACKLOG) ─► ready chats, in turn ─► `workers` workers

A chat is in one place at a time: idle (no backlog), waiting in the ready queue, or in one worker's
hands. So one chat's updates are handled one at a time and in order, while chats take turns: a worker
handles one update of a chat, and the chat goes to the back of the queue if it has more. Replies are
paced at about one a second per chat (flood control), so a chat's backlog is bounded: an update that
finds BACKLOG updates waiting is dropped (marked handled, counted in DROPPED), and the chat is told
once per episode (until its backlog empties), at most once every NOTICE_EVERY seconds. Payment updates
are never dropped. A pre-checkout query skips the backlog: Telegram gives the shop 10 s to answer it.

A successful_payment or refunded_payment that meets a storage error (see Dispatcher.feed) is not
marked handled: it stays in the inbox and is offered again after a backoff (RETRY_DELAYS), as often as
it takes. A stop abandons the waiting retries; the next start replays those updates from the inbox.

An update offered with a webhook reply (actors.webhook) is handled with it set as the task's
`telegram.client.reply.REPLY`, so its answer to a button can ride back in the webhook response; the
reply is closed when the handling ends, or at once when the update is dropped.

Every other update, handled or failed, is reported to `done` (which marks it handled in the inbox),
except on cancellation: an update cut off by a crash stays in the inbox for the replay.

No one chat can fill memory (its backlog is bounded), but many chats at once could: the lanes hold at
most `capacity` updates in all, and the poller waits for room (`wait_for_room`) before it fetches
more. Every update held is in the inbox already, so fetching later loses nothing.
"""

import logging
import math
from collections import deque
from collections.abc import Callable

import trio
from cachetools import TTLCache
from prometheus_client import Counter, Gauge, Histogram

from storage import StorageError
from telegram.client.reply import REPLY, WebhookReply
from telegram.routing import Dispatcher, chat_key, from_a_person_in_private, is_payment, reports_payment
from telegram.types import Update

log = logging.getLogger(__name__)

DROPPED = Counter(
    "shopkeeper_updates_dropped_total",
    "Updates not handled: over their chat's backlog, or not from a person in a private chat",
    ["reason"],
)
DEFERRED = Counter(
    "shopkeeper_payment_updates_deferred_total", "Payment updates put back after a storage error, to be handled again"
)
# From the moment the lanes take an update to the end of its handling (its answer sent): the wait
# behind the chat's earlier updates and other chats included, which the handling time alone omits.
ANSWERED = Histogram(
    "shopkeeper_update_answer_seconds",
    "Time from taking an update to having answered it (waiting in its lane included)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
# Read when the figures are, not kept up to date on every update.
HELD = Gauge("shopkeeper_lane_updates", "Updates the lanes hold: waiting in a chat's backlog, being handled, or pre-checkout")
CHATS = Gauge("shopkeeper_lane_chats", "Chats with updates waiting or being handled")

# Updates one chat may have waiting; at ~1 answer a second that is about 20 s of answers.
BACKLOG = 20
# Updates held in all chats' backlogs and on the fast path before the poller stops fetching (a few KB each).
CAPACITY = 10_000
NOTICE_EVERY = 60.0
RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)


class _Lane:
    """One chat's waiting updates, and the notice it is owed."""

    __slots__ = ("backlog", "notice", "told")

    def __init__(self, update: Update) -> None:
        self.backlog = deque([update])
        self.notice: Update | None = None  # the update to answer with the notice, when one is due
        self.told = False  # this episode's notice is given (or due)


class ChatLanes:
    """The per-chat queues and their workers (see the module docstring).

    Args:
      dispatcher: handles each update (`feed`) and sends the dropped-messages notice (`tell`).
      workers: how many chats are handled at once (`telegram.lanes`).
      done: called with the id of every update handled, failed or dropped: it is marked handled.
      backlog: how many updates one chat may have waiting.
      capacity: how many updates all chats may have waiting before `wait_for_room` waits (CAPACITY).
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        workers: int,
        done: Callable[[int], None],
        backlog: int = BACKLOG,
        capacity: int | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.workers = max(1, workers)
        self.backlog = backlog
        self.capacity = CAPACITY if capacity is None else capacity
        self._held = 0
        self._room = trio.Event()
        self._done = done
        self._lanes: dict[int, _Lane] = {}
        # Unbounded, since `offer` never waits: the ready queue holds each chat at most once, the fast
        # path one query per payment attempt, the retries one entry per failing payment update.
        self._ready_send, self._ready = trio.open_memory_channel[int](math.inf)
        self._fast_send, self._fast = trio.open_memory_channel[Update](math.inf)
        self._retry_send, self._retries = trio.open_memory_channel[tuple[float, Update]](math.inf)
        self._attempts: dict[int, int] = {}
        self._told_lately: TTLCache[int, bool] = TTLCache(maxsize=100_000, ttl=NOTICE_EVERY, timer=trio.current_time)
        self._closing = False
        # When each update held was taken, for ANSWERED; a payment update put back keeps its first time.
        self._taken: dict[int, float] = {}
        # The webhook replies of updates held, by update id (see the module docstring).
        self._replies: dict[int, WebhookReply] = {}
        HELD.set_function(lambda: self._held)
        CHATS.set_function(lambda: len(self._lanes))

    def offer(self, update: Update, reply: WebhookReply | None = None) -> None:
        """Take one update (with the webhook reply its answer may ride in); never waits. Call it before `close`."""
        if not from_a_person_in_private(update):
            DROPPED.labels("not_private").inc()
            self._done(update.update_id)
            if reply is not None:
                reply.close()
            return
        self._taken.setdefault(update.update_id, trio.current_time())
        if reply is not None:
            self._replies[update.update_id] = reply
        if update.pre_checkout_query is not None:
            self._held += 1
            self._fast_send.send_nowait(update)
            return
        chat = chat_key(update)
        lane = self._lanes.get(chat)
        if lane is None:
            self._held += 1
            self._lanes[chat] = _Lane(update)
            self._ready_send.send_nowait(chat)
        elif len(lane.backlog) < self.backlog or is_payment(update):
            self._held += 1
            lane.backlog.append(update)
        else:
            DROPPED.labels("backlog").inc()
            self._taken.pop(update.update_id, None)
            if reply is not None:
                self._replies.pop(update.update_id).close()
            self._done(update.update_id)
            if not lane.told and chat not in self._told_lately:
                lane.told = True
                lane.notice = update
                self._told_lately[chat] = True

    @property
    def idle(self) -> bool:
        """Nothing in hand: no chat has an update waiting or being handled (nor a notice due), no
        pre-checkout query is open and no payment update is waiting for a retry."""
        return self._held == 0 and not self._lanes and not self._attempts

    async def wait_for_room(self) -> None:
        """Return once fewer than `capacity` updates are held (the intake's brake)."""
        while self._held >= self.capacity:
            self._room = trio.Event()
            await self._room.wait()

    def close(self) -> None:
        """No more offers: `run` returns once every backlog is handled (retries waiting are abandoned)."""
        self._closing = True
        self._fast_send.close()
        if not self._lanes:
            self._ready_send.close()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Run the workers, the fast path and the retries until `close` and the backlogs are done.
        Supports the trio nursery start protocol (started at once: offers may come)."""
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._retry_later)
            async with trio.open_nursery() as workers:
                async with self._ready:
                    for _ in range(self.workers):
                        workers.start_soon(self._work, self._ready.clone())
                workers.start_soon(self._fast_path)
                task_status.started()
            # Payment updates still waiting for a retry stay unhandled in the inbox: the next start replays them.
            nursery.cancel_scope.cancel()

    async def _work(self, ready: trio.MemoryReceiveChannel[int]) -> None:
        async with ready:
            async for chat in ready:
                lane = self._lanes[chat]
                if lane.notice is not None:
                    update, lane.notice = lane.notice, None
                    await self.dispatcher.tell(update, "dropped")
                else:
                    await self._handle(lane.backlog.popleft())
                if lane.backlog:
                    self._ready_send.send_nowait(chat)  # to the back of the queue: chats take turns
                    continue
                del self._lanes[chat]
                if self._closing and not self._lanes:
                    self._ready_send.close()

    async def _fast_path(self) -> None:
        """Pre-checkout queries, each answered at once in a task of its own."""
        async with self._fast, trio.open_nursery() as nursery:
            async for update in self._fast:
                nursery.start_soon(self._handle, update)

    async def _handle(self, update: Update) -> None:
        reply = self._replies.pop(update.update_id, None)
        replying = REPLY.set(reply)
        try:
            await self.dispatcher.feed(update)
        except Exception as error:
            # One update that breaks a handler must not stop its chat or come back forever: it is
            # logged and marked handled like the rest. A payment the storage could not record is put
            # back instead: the money was taken, so it is handled again until it is recorded.
            if isinstance(error, StorageError) and reports_payment(update):
                self._defer(update, error)
                return
            log.exception("update %s failed", update.update_id)
        finally:
            REPLY.reset(replying)
            if reply is not None:
                reply.close()
            self._held -= 1
            if self._held < self.capacity:
                self._room.set()
        self._attempts.pop(update.update_id, None)
        now = trio.current_time()
        ANSWERED.observe(now - self._taken.pop(update.update_id, now))
        self._done(update.update_id)

    def _defer(self, update: Update, error: StorageError) -> None:
        attempt = self._attempts.get(update.update_id, 0)
        self._attempts[update.update_id] = attempt + 1
        delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
        DEFERRED.inc()
        log.warning("payment update %s not recorded (%s); trying again in %.0f s", update.update_id, error, delay)
        self._retry_send.send_nowait((trio.current_time() + delay, update))

    async def _retry_later(self) -> None:
        async with self._retries, trio.open_nursery() as nursery:
            async for due, update in self._retries:
                nursery.start_soon(self._offer_at, due, update)

    async def _offer_at(self, due: float, update: Update) -> None:
        await trio.sleep_until(due)
        if not self._closing:
            self.offer(update)
