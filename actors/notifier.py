"""The notifier: the actor that tells each staff member in the chat what they chose to be told
(storage.staff_notices): the daily digest at their hour, items running low, payments stuck.

Every POLL_SECONDS it sends the digests that are due; every CHECK_SECONDS it looks for items whose
stock lasts under `shop.low_stock_days` and for payments still pending well past their expiry. What
was told is recorded in the database before it is sent (a digest per person and date, the items and
payments told until they recover), so a restart, or a second shop process, never tells it twice; a
crash between the record and the send loses that one notice rather than repeating it.

Notices go through the bot client like every message, so its flood control paces them with the rest.
A staff member who blocked the bot (403) is marked as broadcasts mark them and skipped until they
write to the bot again; any other failure to send costs that one message, never the others'.
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import NoReturn

import trio
from prometheus_client import Counter

from storage import NoticeKind, Store, UserRecord
from telegram.client import BotClient
from telegram.config import ShopSettings
from telegram.errors import Forbidden, TelegramError
from telegram.i18n import pick_language
from telegram.screens.admin.notice_views import digest_view, running_low_view, stuck_view
from telegram.texts import Texts

log = logging.getLogger(__name__)

SENT = Counter("shopkeeper_staff_notices_total", "Staff notices sent, by kind and outcome", ["kind", "outcome"])

# How often due digests (and new business events) are looked for, seconds.
POLL_SECONDS = 1.0
# How often stock runways and stuck payments are computed, seconds: each is a query over the items
# sold or the payments pending, and neither changes by the second.
CHECK_SECONDS = 60.0
# The digest's windows, as the Statistics screen counts them: the last 2 UTC dates (yesterday, today).
DIGEST_DAYS = 2


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

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> NoReturn:
        task_status.started()
        next_check = trio.current_time()
        while True:
            await self.tell_digests()
            if trio.current_time() >= next_check:
                await self.tell_running_low()
                await self.tell_stuck_payments()
                next_check = trio.current_time() + CHECK_SECONDS
            await trio.sleep(POLL_SECONDS)

    async def tell_digests(self) -> int:
        """Send every digest due now (see storage.staff_notices.due_digests); returns how many went."""
        now = self.wall()
        sent = 0
        for user in await self.store.due_digests(now, owner_id=self.owner_id):
            if not await self.store.claim_digest(user.id, now.date()):
                continue  # another process is sending it
            texts = self.texts_for(user)
            found = await self.store.shop_statistics(now, days=DIGEST_DAYS)
            if await self.send(user, "digest", digest_view(texts, found, now)):
                sent += 1
            else:
                await self.store.release_digest(user.id, now.date())
        return sent

    async def tell_running_low(self) -> int:
        """Tell the staff who chose low stock of the items newly running low; returns how many items."""
        low = await self.store.claim_running_low(self.wall(), self.shop.low_stock_days)
        if low:
            for user in await self.store.notice_recipients("low_stock", owner_id=self.owner_id):
                texts = self.texts_for(user)
                for item in low:
                    await self.send(user, "low_stock", running_low_view(texts, item))
        return len(low)

    async def tell_stuck_payments(self) -> int:
        """Tell the staff who chose payment notices of the payments newly stuck; returns how many."""
        stuck = await self.store.claim_stuck_payments(self.wall())
        if stuck:
            for user in await self.store.notice_recipients("payments", owner_id=self.owner_id):
                texts = self.texts_for(user)
                for payment in stuck:
                    await self.send(user, "payments", stuck_view(texts, payment))
        return len(stuck)

    def texts_for(self, user: UserRecord) -> Texts:
        return Texts(self.shop, pick_language(user.language, user.language_code, self.shop.default_language))

    async def send(self, user: UserRecord, kind: NoticeKind, text: str) -> bool:
        """Send one notice; False when it could not be (a user who blocked the bot is marked so)."""
        try:
            await self.bot.send_message(user.id, text)
        except Forbidden:
            SENT.labels(kind, "blocked").inc()
            log.info("staff member %d blocked the bot: no more notices until they write again", user.id)
            await self.store.mark_bot_blocked(user.id)
            return False
        except TelegramError as error:
            SENT.labels(kind, "failed").inc()
            log.warning("%s notice to staff member %d not sent: %s", kind, user.id, error)
            return False
        SENT.labels(kind, "sent").inc()
        return True
