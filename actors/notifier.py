"""The notifier: the actor that tells each staff member in the chat what they chose to be told
(storage.staff_notices): sales and payments refused as they happen, the daily digest at their hour,
items running low, payments stuck.

Every POLL_SECONDS it reads the shop's business events (storage.feed) after the last it went through,
and sends the digests that are due; every CHECK_SECONDS it looks for items whose stock lasts under
`shop.low_stock_days` and for payments still pending well past their expiry. What was told is recorded
in the database before it is sent (the feed's cursor, a digest per person and date, the items and
payments told until they recover), so a restart, or a second shop process, never tells it twice; a
crash between the record and the send loses that one notice rather than repeating it. The first run
starts at the feed's latest event: a new shop's staff are not told its whole history.

A feed row gets its id when written and commits with its transaction, so a later id can commit first
(on PostgreSQL a lock wait can hold one open for seconds): the process that moves the cursor over an id
not committed yet awaits it (storage.feed_gaps, as the live page's watcher does) and tells of it when
it commits. Those awaited ids live in that process: one that stops meanwhile leaves them untold.
Dispute notices are sent by the dispute screen itself, with the buyer's words (telegram.screens.user.
disputes), not from the feed.

Notices go through the bot client like every message, so its flood control paces them with the rest.
A staff member who blocked the bot (403) is marked as broadcasts mark them and skipped until they
write to the bot again; any other failure to send costs that one message, never the others'.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NoReturn

import trio

from storage import FeedGaps, NoticeKind, ShopEventKind, ShopEventRecord, Store, UserRecord
from telegram.client import BotClient
from telegram.config import ShopSettings
from telegram.i18n import pick_language
from telegram.screens.admin.notice_views import digest_view, refused_view, running_low_view, sales_view, stuck_view
from telegram.staff_send import Outcome, send_to_staff
from telegram.texts import Texts

# How often new business events and due digests are looked for, seconds.
POLL_SECONDS = 1.0
# Events read per round.
EVENTS_PER_ROUND = 200
# The security events that tell of a payment the shop refused to credit.
REFUSED_PAYMENTS = ("payment.rejected", "payment.reconcile_failed")
# How often stock runways and stuck payments are computed, seconds: each is a query over the items
# sold or the payments pending, and neither changes by the second.
CHECK_SECONDS = 60.0
# The digest's longer window, in UTC dates ending with the day before.
DIGEST_WEEK = 7
# A digest Telegram could not take for a passing reason (the network, a 5xx, a 429) is tried again,
# first after this many seconds, the wait doubling up to DIGEST_RETRY_MAX; any other refusal (a 400
# "chat not found") would fare the same every time: that day's digest is skipped.
DIGEST_RETRY_FIRST = 30.0
DIGEST_RETRY_MAX = 1800.0


class Notifier:
    def __init__(
        self,
        store: Store,
        bot: BotClient,
        shop: ShopSettings,
        owner_id: int,
        *,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.bot = bot
        self.shop = shop
        self.owner_id = owner_id
        # Digest hours and runways are wall-clock matters; the pauses between rounds are trio's.
        self.wall = wall
        self.gaps = FeedGaps()
        # Per staff member whose digest failed for a passing reason: when to try again, and the wait after that.
        self._digest_retry: dict[int, tuple[float, float]] = {}

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> NoReturn:
        task_status.started()
        next_check = trio.current_time()
        while True:
            await self.tell_events()
            await self.tell_digests()
            if trio.current_time() >= next_check:
                await self.tell_running_low()
                await self.tell_stuck_payments()
                next_check = trio.current_time() + CHECK_SECONDS
            await trio.sleep(POLL_SECONDS)

    async def tell_events(self) -> int:
        """Tell of the business events since the cursor (sales, payments refused) to those who chose
        them, and of the ids this process skipped that committed since; returns how many events."""
        seen = await self.store.notice_cursor()
        if seen is None:
            await self.store.advance_notice_cursor(None, await self.store.latest_shop_event_id())
            return 0
        now = trio.current_time()
        ready = []
        if awaited := self.gaps.awaited(now):
            ready = await self.store.shop_events_among(awaited)
            for event in ready:
                self.gaps.found(event.id)
        events = await self.store.shop_events_after(seen, EVENTS_PER_ROUND)
        # Another process that moved the cursor first tells of these (and awaits their gaps).
        if events and await self.store.advance_notice_cursor(seen, events[-1].id):
            last = seen
            for event in events:
                self.gaps.passed(last, event.id, now)
                last = event.id
            ready += events
        if not ready:
            return 0
        sold = [event.subject for event in ready if event.kind == ShopEventKind.PURCHASE]
        if sold and (sales := await self.store.sales_of(sold)):
            for user in await self.store.notice_recipients("sales", owner_id=self.owner_id):
                await self.send(user, "sales", sales_view(self.texts_for(user), sales))
        refused = [event for event in ready if _refused_payment(event)]
        if refused:
            for user in await self.store.notice_recipients("payments", owner_id=self.owner_id):
                texts = self.texts_for(user)
                for event in refused:
                    action, _, reference = event.summary.partition(" ")
                    if not await self.send(user, "payments", refused_view(texts, action, reference)):
                        break  # blocked the bot, or out of reach: the rest would fare the same
        return len(ready)

    async def tell_digests(self) -> int:
        """Send every digest due now (see storage.staff_notices.due_digests); returns how many went.
        A digest holds the dashboard's KPI cards of the day before and of the 7 days ending with it."""
        now = self.wall()
        due = await self.store.due_digests(now, owner_id=self.owner_id)
        if not due:
            return 0
        yesterday = now - timedelta(days=1)
        day = await self.store.dashboard_kpis(yesterday, 1)
        week = await self.store.dashboard_kpis(yesterday, DIGEST_WEEK)
        sent = 0
        for user in due:
            retry_at, wait = self._digest_retry.get(user.id, (0.0, DIGEST_RETRY_FIRST))
            if trio.current_time() < retry_at:
                continue
            if not await self.store.claim_digest(user.id, now.date()):
                continue  # another process is sending it
            outcome = await self.deliver(user, "digest", digest_view(self.texts_for(user), day, week))
            if outcome == "transient":
                await self.store.release_digest(user.id, now.date())
                self._digest_retry[user.id] = (trio.current_time() + wait, min(wait * 2, DIGEST_RETRY_MAX))
                continue
            self._digest_retry.pop(user.id, None)
            sent += outcome == "sent"
        return sent

    async def tell_running_low(self) -> int:
        """Tell the staff who chose low stock of the items newly running low; returns how many items."""
        low = await self.store.claim_running_low(self.wall(), self.shop.low_stock_days)
        if low:
            for user in await self.store.notice_recipients("low_stock", owner_id=self.owner_id):
                await self.send(user, "low_stock", running_low_view(self.texts_for(user), low, self.shop.low_stock_days))
        return len(low)

    async def tell_stuck_payments(self) -> int:
        """Tell the staff who chose payment notices of the payments newly stuck; returns how many."""
        stuck = await self.store.claim_stuck_payments(self.wall())
        if stuck:
            for user in await self.store.notice_recipients("payments", owner_id=self.owner_id):
                await self.send(user, "payments", stuck_view(self.texts_for(user), stuck))
        return len(stuck)

    def texts_for(self, user: UserRecord) -> Texts:
        return Texts(self.shop, pick_language(user.language, user.language_code, self.shop.default_language))

    async def send(self, user: UserRecord, kind: NoticeKind, text: str) -> bool:
        """Send one notice; False when it could not be (a user who blocked the bot is marked so)."""
        return await self.deliver(user, kind, text) == "sent"

    async def deliver(self, user: UserRecord, kind: NoticeKind, text: str) -> Outcome:
        """Send one notice, and say how it went: a user who blocked the bot is marked so."""
        return await send_to_staff(self.bot, self.store, user.id, kind, text)


def _refused_payment(event: ShopEventRecord) -> bool:
    return event.kind == ShopEventKind.SECURITY and event.summary.partition(" ")[0] in REFUSED_PAYMENTS
