"""Webhook mode's update source: the web app's route (webui.telegram_webhook) hands each update to
`take`, which claims it in the update inbox and offers it to the same per-chat lanes the poller
feeds. Everything else is the poller's: the lanes, the batched marking of handled updates, and the
replay at start of what the inbox holds unhandled (a process that died after answering 200). With
several processes behind a load balancer each row names its process (`holder`): a process replays its
own rows and adopts, at start and at each heartbeat, only those of processes gone (storage.inbox).

    request ─► take: inbox row inserted (the claim; a second claim of one update_id fails) ─► 200
                     ├─► lanes.offer ─► handled ─► marked handled in the inbox
                     └─► an earlier update of the chat is another process's: held here until it is
                         handled (or adopted here), then offered

One chat's order across processes: Telegram sends a chat's next update once the request with the
previous one was answered, and the answer comes once the update is kept, before it is handled. So
the next update may reach another process while the first is still in hand; that process holds it
(and the chat's later ones) until the inbox shows no earlier update of the chat unhandled by someone
else. The probe is one indexed query per update, made with the claim; a held chat is asked again
every TURN_POLL seconds. Waiting ends after WAIT_LEASES lease times whatever the inbox says (an
earlier payment update that keeps failing to be stored is retried by its process for long: the chat
goes on meanwhile, as it does in one process).

Until the replay is done, and once stopping, `take` answers "unavailable" (the route's 503):
Telegram delivers again later, so nothing new overtakes a chat's replayed updates and nothing is
offered to lanes that are closing.
"""

import logging
import math
from collections.abc import Callable
from typing import Any, NoReturn

import msgspec
import trio

from actors.lanes import BACKLOG, ChatLanes
from actors.poller import UpdatePoller
from storage import Claim, StorageError
from telegram.client.reply import WebhookReply
from telegram.routing import chat_key
from telegram.types import Update
from webui import Taken

log = logging.getLogger(__name__)

TURN_POLL = 0.05
WAIT_LEASES = 2
# Updates kept in one transaction at most (about what a getUpdates call brings).
CLAIM_BATCH = 100
# How long the first waiting request waits for others to be claimed in its transaction. Each claim
# is a few database round trips whatever its size; in bench/updates.py --mode webhook on PostgreSQL
# 5 ms took the shop from 364-384 to 418-488 updates/s (2.27-2.40 to 1.75-2.07 ms of CPU per update);
# on SQLite, whose claims cost less, it changed nothing measurable.
LINGER = 0.005

# What a request is told: the claim's outcome, and the reply it may answer with.
type Answer = tuple[Taken, WebhookReply | None]
# A request's update, its answer once claimed, and the event that tells the request.
type Request = tuple[Update, list[Answer], trio.Event]


class WebhookIntake(UpdatePoller):
    """Supports the trio nursery start protocol: started once the replay is offered and `take` takes."""

    mode = "webhook"
    _open: ChatLanes | None = None
    _waiting: trio.Nursery | None = None
    _claims: trio.MemorySendChannel[Request] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Per chat, the updates held behind an earlier one another process keeps, oldest first.
        self._held: dict[int, list[Update]] = {}

    @property
    def idle(self) -> bool:
        return super().idle and not self._held

    async def take(self, update: Update) -> tuple[Taken, WebhookReply | None]:
        """Claim `update` in the inbox and offer it to its chat's lane: "taken" once it is in the
        database (handled soon, or replayed after a crash), "duplicate" when it was claimed before,
        "unavailable" when it cannot be claimed now (not started, stopping, the database failing, or
        its chat holding as many updates as a lane's backlog while it waits for another process).
        With "taken" comes the reply the request may answer with (telegram.client.reply), or None.

        The requests' updates are claimed together (`_claim`): whatever arrives while one batch is
        being kept goes into the next, one transaction each, as the poller keeps a getUpdates batch."""
        lanes, claims = self._open, self._claims
        if lanes is None or claims is None or len(self._held.get(chat_key(update), ())) >= BACKLOG:
            return "unavailable", None
        # The brake the poller applies before fetching: a full shop makes Telegram wait, not memory grow.
        await lanes.wait_for_room()
        answer: list[Answer] = []
        answered = trio.Event()
        try:
            claims.send_nowait((update, answer, answered))
        except (trio.WouldBlock, trio.ClosedResourceError):
            return "unavailable", None
        await answered.wait()
        return answer[0]

    async def _claim(self, lanes: ChatLanes, requests: trio.MemoryReceiveChannel[Request]) -> NoReturn:
        """Keep the waiting requests' updates in one crossing (those arriving within LINGER of the
        first too), answer each, and admit the kept ones.
        Admitting is done here, not by the request: a request given up meanwhile (its client gone)
        still has its update handled once kept."""
        while True:
            first = await requests.receive()
            await trio.sleep(LINGER)
            batch = [first, *_waiting(requests, CLAIM_BATCH - 1)]
            kept = [(update.update_id, chat_key(update), msgspec.json.encode(update)) for update, _, _ in batch]
            claims: list[Claim | None] = [None] * len(batch)
            try:
                claims[:] = await self.store.take_updates(kept, self.holder)
            except StorageError:
                pass  # each answered "unavailable": Telegram delivers again later
            except BaseException:
                # Stopping: kept or not, the next start (or another process) has them from the inbox.
                _unavailable(batch)
                raise
            for (update, answer, answered), claim in zip(batch, claims, strict=True):
                if claim is None:
                    answer.append(("unavailable", None))
                elif claim == "duplicate":
                    answer.append(("duplicate", None))
                else:
                    answer.append(("taken", self._admit(lanes, update, behind=claim == "behind")))
                answered.set()

    def _admit(self, lanes: ChatLanes, update: Update, *, behind: bool) -> WebhookReply | None:
        """Offer `update` to its lane now, with a reply for its request, or hold it while an earlier
        update of its chat is another process's (`behind`) or its chat has updates held already (the
        request then answers at once: no reply). Stopped meanwhile: the update is in the inbox, and
        the next start (or another process) handles it."""
        chat = chat_key(update)
        # An adoption under way may have made that earlier update ours without offering it yet.
        if (behind or self.adopting) and chat not in self._held and self._waiting is not None:
            self._held[chat] = []
            self._waiting.start_soon(self._wait_turn, lanes, chat)
        if chat in self._held:
            self._held[chat].append(update)
        elif self._open is lanes:
            reply = WebhookReply()
            lanes.offer(update, reply)
            return reply
        return None

    async def _wait_turn(self, lanes: ChatLanes, chat: int) -> None:
        """Offer the chat's held updates in order, each once no earlier update of the chat is another
        process's: the others may hold the chat's updates between ours (each process holds its own)."""
        held = self._held[chat]
        assert self.holder is not None
        try:
            with trio.move_on_after(WAIT_LEASES * self.lease_seconds) as waited:
                while held:
                    try:
                        behind = await self.store.waits_behind(held[0].update_id, chat, self.holder)
                    except StorageError:
                        behind = True
                    if behind or self.adopting:
                        await trio.sleep(TURN_POLL)
                    elif self._open is lanes:
                        lanes.offer(held.pop(0))
                    else:
                        return
            if waited.cancelled_caught:
                wait = WAIT_LEASES * self.lease_seconds
                log.warning("chat %s: an earlier update is still another process's after %.0f s; going on", chat, wait)
                if self._open is lanes:
                    for update in held:
                        lanes.offer(update)
        finally:
            # Cancelled (a stop): what is held stays in the inbox, handled by the next start or another process.
            del self._held[chat]

    async def _poll(self, lanes: ChatLanes, started_now: Callable[[], None]) -> NoReturn:
        claims, requests = trio.open_memory_channel[Request](math.inf)
        async with trio.open_nursery() as waiting:
            waiting.start_soon(self._claim, lanes, requests)
            self._waiting = waiting
            self._open, self._claims = lanes, claims
            self.last_ok = trio.current_time()
            started_now()
            try:
                await trio.sleep_forever()
            finally:
                self._open = self._waiting = self._claims = None
                # Requests still waiting for their claim: Telegram delivers them again.
                claims.close()
                _unavailable(_waiting(requests, math.inf))

    async def _finish(self) -> None:
        """Mark what was handled; unlike the poller, nothing is confirmed to Telegram (the 200 did)."""
        with trio.move_on_after(2, shield=True):
            await self._mark()
        await self._stop_beating()


def _waiting(requests: trio.MemoryReceiveChannel[Request], most: float) -> list[Request]:
    """The requests already waiting in `requests`, at most `most` of them, without waiting for more."""
    waiting: list[Request] = []
    while len(waiting) < most:
        try:
            waiting.append(requests.receive_nowait())
        except (trio.WouldBlock, trio.EndOfChannel):
            break
    return waiting


def _unavailable(requests: list[Request]) -> None:
    """Answer these requests "unavailable" (the route's 503): Telegram delivers their updates again."""
    for _, answer, answered in requests:
        answer.append(("unavailable", None))
        answered.set()
