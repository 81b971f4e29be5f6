"""The broadcaster: the actor that sends broadcasts, one at a time, oldest first.

The client's flood control holds every send to `telegram.global_rate` (and obeys a 429's
retry_after for the whole bot); a slower `admin.broadcast_rate`, or a paid broadcast (outside that
limit), is paced by the broadcaster's own token bucket. Only a few sends are in flight at once, so a
buyer's answer never waits behind a long queue of them. Recipients go one second's worth per batch.
After each batch the cursor and the counts are written in one transaction: a crash or restart resumes
after the last batch written, so nobody is skipped and only that batch can be sent twice. Between
batches it notices a pause or cancel pressed in any process.

A broadcaster sends only while it holds the "broadcaster" lease in the database (actors.singleton runs
it under that lease; every batch's record renews it, in the transaction that moves the cursor), so two
shop processes never send one broadcast at once; when a process dies, another takes the broadcast over
once the lease runs out.

Users who blocked the bot (403) are counted and marked, and later broadcasts skip them until they
/start again. The creator's progress message is edited every `broadcast_progress_interval` seconds,
and a final report is sent when the broadcast ends.
"""

import logging
import math
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NoReturn

import msgspec
import trio
from prometheus_client import Counter

from storage import BROADCASTER, BroadcastRecord, StorageSettings, Store
from telegram.client import BotClient, PacedRate
from telegram.config import AdminSettings, ShopSettings
from telegram.errors import Forbidden, TelegramError
from telegram.i18n import pick_language
from telegram.screens.admin.broadcasts import final_report, link_markup, progress_view
from telegram.texts import Texts

log = logging.getLogger(__name__)

SENT = Counter("shopkeeper_broadcast_messages_total", "Broadcast messages, by outcome", ["outcome"])

# How often it looks for broadcasts created or resumed by another process (or the CLI).
POLL_SECONDS = 5.0
# Telegram's ceiling for paid broadcasts.
PAID_RATE = 1000.0
# How long the broadcaster's lease lasts unless renewed, by default (storage.lease_seconds).
LEASE_SECONDS = StorageSettings().lease_seconds
# A generous Bot API round trip, seconds: sends in flight at once are rate × this.
ROUND_TRIP = 0.1


class Broadcaster:
    def __init__(
        self,
        store: Store,
        bot: BotClient,
        admin: AdminSettings,
        shop: ShopSettings,
        owner_id: int,
        global_rate: float,
        *,
        holder: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        # This process's name on the leases it holds (the singletons' holder).
        self.identity = holder or uuid.uuid4().hex
        self.lease_seconds = lease_seconds
        # Leases are wall-clock times in the database, compared across processes.
        self.wall = wall
        self.store = store
        self.bot = bot
        self.rate = admin.broadcast_rate
        self.global_rate = global_rate
        self.progress_interval = admin.broadcast_progress_interval
        self.shop = shop
        self.owner_id = owner_id
        self._doorbell = trio.Event()

    def ring(self) -> None:
        """A broadcast was created, paused, resumed or cancelled: look now."""
        self._doorbell.set()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> NoReturn:
        task_status.started()
        while True:
            # Reset before looking: a ring during the work below makes the next wait return at once.
            self._doorbell = trio.Event()
            for job in await self.store.running_broadcasts():
                await self.work(job)
            with trio.move_on_after(POLL_SECONDS):
                await self._doorbell.wait()

    async def work(self, job: BroadcastRecord) -> BroadcastRecord:
        """Send `job` from its cursor until its audience is exhausted or the staff pause or cancel it.
        While another process holds the broadcaster's lease, the broadcast is left to it (returned as it
        was), as is one no longer running."""
        now = self.wall()
        if not await self.store.take_lease(BROADCASTER, self.identity, now=now, until=self._lease_end()):
            return job
        fresh = await self.store.get_broadcast(job.id)
        if fresh is None or fresh.status != "running":
            return job
        job = fresh
        rate = min(self.rate, PAID_RATE) if job.paid else min(self.rate, self.global_rate)
        # At the bot's whole budget the client's flood control alone paces the sends (a second bucket in
        # series would lose a little to each late wake-up of both); slower, or paid, it is ours.
        bucket = PacedRate(rate) if job.paid or rate < self.global_rate else None
        # Few sends wait at once, so a buyer's answer never queues behind more than these.
        slots = trio.Semaphore(max(2, math.ceil(rate * ROUND_TRIP)))
        batch_size = max(1, math.ceil(rate))
        markup = link_markup(job.button_text, job.button_url)
        texts = await self._texts_of(job.created_by)
        if job.progress_message_id is None:
            job = await self._new_progress_message(job, texts)
        next_progress = trio.current_time()
        log.info("broadcast %d: sending from user %d at %g/s", job.id, job.cursor, rate)
        recipients = await self.store.audience_batch(job.audience, job.cursor, batch_size)
        while True:
            if not recipients:
                job = await self.store.finish_broadcast(job.id)
                break
            delivered, failed = 0, 0
            blocked: list[int] = []

            # The batch's job and blocked list are passed in, not closed over: a send sees its own batch's.
            async def send(user_id: int, job: BroadcastRecord, blocked: list[int]) -> None:
                nonlocal delivered, failed
                try:
                    await self.bot.send_message(user_id, job.text, reply_markup=markup, allow_paid_broadcast=job.paid)
                except Forbidden:
                    blocked.append(user_id)
                    SENT.labels("blocked").inc()
                except TelegramError as error:
                    failed += 1
                    SENT.labels("failed").inc()
                    log.info("broadcast %d: user %d: %s", job.id, user_id, error)
                else:
                    delivered += 1
                    SENT.labels("delivered").inc()
                finally:
                    slots.release()

            async with trio.open_nursery() as sending:
                for user_id in recipients:
                    if bucket is not None:
                        await bucket.take()
                    await slots.acquire()
                    sending.start_soon(send, user_id, job, blocked)
                # Who comes next is read while the last sends finish, so the pace barely pauses.
                following = await self.store.audience_batch(job.audience, recipients[-1], batch_size)
            recorded = await self.store.record_batch(
                job.id,
                recipients[-1],
                delivered=delivered,
                blocked=blocked,
                failed=failed,
                owner=self.identity,
                now=self.wall(),
                until=self._lease_end(),
            )
            if recorded is None:
                log.warning("broadcast %d: lease lost to another broadcaster; leaving it", job.id)
                return job
            job = recorded
            recipients = following
            if job.status != "running":
                break
            if trio.current_time() >= next_progress:
                await self._show_progress(job, texts)
                next_progress = trio.current_time() + self.progress_interval
        await self._show_progress(job, texts)
        if job.status in ("done", "cancelled"):
            await self._report(job, texts)
        log.info(
            "broadcast %d %s: %d delivered, %d blocked, %d failed", job.id, job.status, job.delivered, job.blocked, job.failed
        )
        return job

    def _lease_end(self) -> datetime:
        return self.wall() + timedelta(seconds=self.lease_seconds)

    async def _texts_of(self, user_id: int) -> Texts:
        user = await self.store.get_user(user_id) if user_id else None
        language = pick_language(
            user.language if user else None, user.language_code if user else None, self.shop.default_language
        )
        return Texts(self.shop, language)

    async def _new_progress_message(self, job: BroadcastRecord, texts: Texts) -> BroadcastRecord:
        """A broadcast made outside the chat (the CLI) reports to its creator, or else to the owner."""
        chat_id = job.created_by or self.owner_id
        text, markup = progress_view(texts, job)
        try:
            message = await self.bot.send_message(chat_id, text, reply_markup=markup)
        except TelegramError as error:
            log.warning("broadcast %d: no progress message for %d: %s", job.id, chat_id, error)
            return job
        await self.store.set_progress_message(job.id, chat_id, message.message_id)
        return msgspec.structs.replace(job, progress_chat_id=chat_id, progress_message_id=message.message_id)

    async def _show_progress(self, job: BroadcastRecord, texts: Texts) -> None:
        if job.progress_chat_id is None or job.progress_message_id is None:
            return
        text, markup = progress_view(texts, job)
        try:
            await self.bot.edit_message_text(job.progress_chat_id, job.progress_message_id, text, reply_markup=markup)
        except TelegramError as error:  # deleted, or too old: the report still comes
            log.info("broadcast %d: progress not shown: %s", job.id, error)

    async def _report(self, job: BroadcastRecord, texts: Texts) -> None:
        chat_id = job.progress_chat_id or job.created_by or self.owner_id
        try:
            await self.bot.send_message(chat_id, final_report(texts, job))
        except TelegramError as error:
            log.warning("broadcast %d: report to %d failed: %s", job.id, chat_id, error)
