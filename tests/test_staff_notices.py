"""Staff notices through the emulator: each staff member chooses them in the admin panel, and the
notifier tells those who chose, in their language, once (the digest at their hour, even across a
restart; an item when it starts running low), skipping a staff member who blocked the bot without
stopping the others. The notifier's wall clock is injected, so the hours are the test's to set."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import trio

from actors.notifier import Notifier
from storage import NoticeChoices, PurchaseRequest, ShopEventKind, StorageSettings, Store, open_store
from storage.feed_models import ShopEvent
from telegram.client import BotClient
from telegram.config import ShopSettings, TelegramSettings
from telegram.emulator import Emulator, Fault
from telegram.screens.admin.callbacks import ToggleNotice
from tests.support.chat import labels, last_answer, open_card, press_data, press_when_shown, reply_to
from tests.support.shop import OWNER_ID, open_shop

TOKEN = "123456:TEST"
ANN, BOB, BUYER = 1001, 1002, 2001
DAY = datetime(2026, 12, 7, tzinfo=UTC)
# The dashboard's KPI cards of the day before and of the 7 days to it (a shop without sales then).
DIGEST = """📊 Daily digest · 2026-12-06

That day (the day before in brackets)
Revenue: 0.00 USD (0.00 USD)
Purchases: 0 (0)
New users: 0 (0)
Paying users: 0 (0)
Average order: 0.00 USD (0.00 USD)

The 7 days to that day (the 7 before in brackets)
Revenue: 0.00 USD (0.00 USD)
Purchases: 0 (0)
New users: 0 (0)
Paying users: 0 (0)
Average order: 0.00 USD (0.00 USD)"""


class Wall:
    """The notifier's wall clock, set by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=sqlite_url)) as opened:
        yield opened


@pytest.fixture
def emu() -> Emulator:
    emulator = Emulator()
    emulator.create_bot(token=TOKEN, username="shop_bot", first_name="Shop")
    return emulator


async def people(store: Store, emu: Emulator) -> None:
    """The owner (English), Ann an admin with statistics and stock (Russian), and a buyer."""
    for user_id, language in ((OWNER_ID, "en"), (ANN, "ru"), (BUYER, "en")):
        emu.user(user_id, f"u{user_id}")
        emu.chat(emu.bot(), user_id).started = True
        await store.register_user(
            user_id, username=None, first_name=f"u{user_id}", language_code=language, owner_id=OWNER_ID, referrer_id=None
        )
    await store.grant_admin(ANN, ["statistics", "stock"], actor_id=OWNER_ID)


def texts_to(emu: Emulator, user_id: int) -> list[str]:
    return [m.get("text") or "" for m in emu.chat(emu.bot(), user_id).messages.values()]


async def test_the_digest_comes_at_the_chosen_hour_once_a_day_even_across_a_restart(store: Store, emu: Emulator) -> None:
    await people(store, emu)
    wall = Wall(DAY.replace(hour=7))
    for user_id, hour in ((OWNER_ID, 9), (ANN, 8)):
        await store.choose_notices(user_id, NoticeChoices(digest=True, digest_hour=hour), owner_id=OWNER_ID, now=wall.now)
    async with BotClient(TelegramSettings(token=TOKEN, owner_id=OWNER_ID), transport=emu.transport()) as bot:
        notifier = Notifier(store, bot, ShopSettings(), OWNER_ID, wall=wall)
        assert await notifier.tell_digests() == 0
        wall.now = DAY.replace(hour=8, minute=30)
        assert await notifier.tell_digests() == 1
        assert [t.splitlines()[0] for t in texts_to(emu, ANN)] == ["📊 Ежедневная сводка · 06.12.2026"]
        wall.now = DAY.replace(hour=9)
        assert await notifier.tell_digests() == 1
        assert texts_to(emu, OWNER_ID)[0] == DIGEST
        # Later that day, and in a process started afresh: nothing more.
        wall.now = DAY.replace(hour=23)
        assert await notifier.tell_digests() == 0
        assert await Notifier(store, bot, ShopSettings(), OWNER_ID, wall=wall).tell_digests() == 0
        # The next day, at its hour again.
        wall.now = DAY.replace(hour=9) + timedelta(days=1)
        assert await notifier.tell_digests() == 2
    assert (len(texts_to(emu, OWNER_ID)), len(texts_to(emu, ANN))) == (2, 2)


async def test_low_stock_is_told_once_to_who_chose_it_and_a_blocked_one_is_skipped(store: Store, emu: Emulator) -> None:
    await people(store, emu)
    emu.user(BOB, "Bob")
    emu.chat(emu.bot(), BOB).started = True
    await store.register_user(BOB, username=None, first_name="Bob", language_code="en", owner_id=OWNER_ID, referrer_id=None)
    await store.grant_admin(BOB, ["stock"], actor_id=OWNER_ID)
    now = datetime.now(UTC)
    for user_id in (OWNER_ID, ANN, BOB):
        await store.choose_notices(user_id, NoticeChoices(low_stock=True), owner_id=OWNER_ID, now=now)
    # The owner blocked the bot: skipped, and the admins after him still told.
    emu.user(OWNER_ID).block_bot()
    await store.add_category("Games")
    item = await store.add_item("Games", "Quest", Decimal("5.00"))
    await store.add_stock("Quest", [f"KEY-{n}" for n in range(5)])
    await store.credit_user(BUYER, Decimal("100"))
    async with BotClient(TelegramSettings(token=TOKEN, owner_id=OWNER_ID), transport=emu.transport()) as bot:
        notifier = Notifier(store, bot, ShopSettings(low_stock_days=3), OWNER_ID, wall=lambda: datetime.now(UTC))
        # 1 sold, 4 left: 28 days at this pace.
        await store.buy([PurchaseRequest(key="b0", user_id=BUYER, item_id=item.id)])
        assert await notifier.tell_running_low() == 0
        # 4 sold, 1 left: under 2 days.
        await store.buy([PurchaseRequest(key=f"b{n}", user_id=BUYER, item_id=item.id) for n in range(1, 4)])
        assert await notifier.tell_running_low() == 1
        assert await notifier.tell_running_low() == 0
    assert texts_to(emu, BOB) == [
        "📉 Low stock: lasting under 3 days at the last 7 days' pace\n"
        "• Quest: 1 left, enough for about 1.8 days (4 sold in 7 days)"
    ]
    assert texts_to(emu, ANN) == [
        "📉 Мало товара: хватит меньше чем на 3 дн. при темпе последних 7 дней\n"
        "• Quest: осталось 1, хватит примерно на 1.8 дн. (продано за 7 дней: 4)"
    ]
    assert texts_to(emu, OWNER_ID) == []
    # The owner is marked as blocking the bot: no notice is tried until he writes again.
    assert [u.id for u in await store.notice_recipients("low_stock", owner_id=OWNER_ID)] == [ANN, BOB]


async def test_notices_are_chosen_in_the_admin_panel(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        owner, ann = shop.emu.user(OWNER_ID, "Owner"), shop.emu.user(ANN, "Ann")
        for user in (owner, ann):
            await reply_to(user, "/start")
        await shop.store.grant_admin(ANN, ["stock"], actor_id=OWNER_ID)

        await reply_to(owner, "/admin")
        await press_when_shown(owner, "🔔 My notices")
        screen = await owner.wait_for(lambda m: "Your notices" in (m.get("text") or ""))
        assert "Hours are UTC" in screen["text"]
        assert labels(screen) == [
            "▫️ Every sale", "▫️ Daily digest at 09:00 UTC", "🕘 Digest hour: 09:00 UTC", "▫️ Low stock",
            "▫️ Payments stuck or refused", "✅ Disputes opened", "⬅️ Admin panel",
        ]
        await owner.press("▫️ Every sale", screen["message_id"])
        await press_when_shown(owner, "🕘 Digest hour: 09:00 UTC")
        await press_when_shown(owner, "18:00")
        await owner.wait_for(lambda m: "✅ Daily digest at 18:00 UTC" in labels(m))
        assert await shop.store.notice_choices(OWNER_ID) == NoticeChoices(sales=True, digest=True, digest_hour=18)

        # An admin with stock alone is offered what stock shows, and disputes.
        await reply_to(ann, "/admin")
        await press_when_shown(ann, "🔔 My notices")
        screen = await ann.wait_for(lambda m: "Your notices" in (m.get("text") or ""))
        assert labels(screen) == ["▫️ Low stock", "✅ Disputes opened", "⬅️ Admin panel"]
        await ann.press("✅ Disputes opened", screen["message_id"])
        await ann.wait_for(lambda m: "▫️ Disputes opened" in labels(m))
        assert await shop.store.notice_choices(ANN) == NoticeChoices(disputes=False)
        # Sales forged onto the screen: refused by the store, audited, nothing changed.
        answered = len(ann.callback_answers)
        await press_data(ann, ToggleNotice(kind="sales", on=True).pack())
        refusal = await last_answer(ann, answered)
        assert refusal["text"] == "⛔ This needs the “Statistics” permission. Ask the owner if you need it."
        assert await shop.store.notice_choices(ANN) == NoticeChoices(disputes=False)
        events = (await shop.store.audit_page(1, 10)).rows
        assert [(e.action, e.actor_id) for e in events if e.action == "notices.choose"] == [
            ("notices.choose", ANN), ("notices.choose", OWNER_ID), ("notices.choose", OWNER_ID)
        ]

        # A dispute reaches the owner, who kept dispute notices, and not Ann, who turned them off.
        buyer = shop.emu.user(BUYER, "Buyer")
        await reply_to(buyer, "/paysupport")
        await press_when_shown(buyer, "📝 Open a payment dispute")
        await buyer.wait_for_text("Describe the problem")
        await buyer.send_text("Where is my key?")
        await buyer.wait_for_text("Your message reached the shop's staff")
        await owner.wait_for_text("Where is my key?")
        assert not any("Where is my key?" in text for text in texts_to(shop.emu, ANN))


async def test_payments_stuck_and_refused_reach_who_chose_them(store: Store, emu: Emulator) -> None:
    await people(store, emu)
    await store.grant_admin(ANN, ["payments"], actor_id=OWNER_ID)
    await store.choose_notices(ANN, NoticeChoices(payments=True), owner_id=OWNER_ID, now=datetime.now(UTC))
    order = await store.open_order(BUYER, "stars", Decimal("5.00"), currency="XTR", provider_amount=250, ttl=timedelta(hours=1))
    async with BotClient(TelegramSettings(token=TOKEN, owner_id=OWNER_ID), transport=emu.transport()) as bot:
        wall = Wall(datetime.now(UTC))
        notifier = Notifier(store, bot, ShopSettings(), OWNER_ID, wall=wall)
        assert await notifier.tell_stuck_payments() == 0
        assert await notifier.tell_events() == 0  # the first run starts at the feed's latest event
        # The reconciler never expired it (it is not running here): two hours on, it is stuck.
        wall.now += timedelta(hours=2)
        assert await notifier.tell_stuck_payments() == 1
        assert await notifier.tell_stuck_payments() == 0
        # A payment the shop could not match to an order.
        await store.record_event("payment.rejected", actor_id=None, target="abc123", detail="unknown order", security=True)
        assert await notifier.tell_events() >= 1
    stuck, refused = texts_to(emu, ANN)
    assert stuck.startswith("⚠️ Зависшие платежи") and f"• {order.id}: stars, 5,00 USD, пользователь {BUYER}" in stuck
    assert refused.startswith("⚠️ Платёж не сопоставлен: заказ abc123 оплачен")
    assert texts_to(emu, OWNER_ID) == []  # he never chose them


async def test_a_sale_is_told_to_the_staff_who_chose_it_and_no_one_else(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        owner, ann, buyer = shop.emu.user(OWNER_ID, "Owner"), shop.emu.user(ANN, "Ann"), shop.emu.user(BUYER, "Bea")
        for user in (owner, ann, buyer):
            await reply_to(user, "/start")
        await shop.store.grant_admin(ANN, ["statistics"], actor_id=OWNER_ID)
        await shop.store.choose_notices(OWNER_ID, NoticeChoices(sales=True), owner_id=OWNER_ID, now=datetime.now(UTC))
        await shop.store.add_category("Games")
        await shop.store.add_item("Games", "Quest", Decimal("5.00"))
        await shop.store.add_stock("Quest", ["KEY-1", "KEY-2"])
        await shop.store.credit_user(BUYER, Decimal("20"))
        await open_card(buyer, "Games (1)", "Quest · 5.00 USD")
        await buyer.press("Buy")
        await press_when_shown(buyer, "1")
        await press_when_shown(buyer, "✅ Confirm")
        await buyer.wait_for_text("Purchase complete")
        told = await owner.wait_for_text("New sales", timeout=10)
        assert told["text"] == "💰 New sales\n• Bea (id 2001) bought 1 × Quest for 5.00 USD"
        # Ann has the permission but never chose sales: nothing. (The owner's came in the same round.)
        assert not any("New sales" in text for text in texts_to(shop.emu, ANN))


async def test_a_restarted_notifier_neither_repeats_nor_skips_a_sale(store: Store, emu: Emulator) -> None:
    await people(store, emu)
    await store.choose_notices(ANN, NoticeChoices(sales=True), owner_id=OWNER_ID, now=datetime.now(UTC))
    await store.add_category("Games")
    item = await store.add_item("Games", "Quest", Decimal("5.00"))
    await store.add_stock("Quest", ["KEY-1", "KEY-2", "KEY-3"])
    await store.credit_user(BUYER, Decimal("20"))
    # A sale before the notifier ever ran is history: not told.
    await store.buy([PurchaseRequest(key="before", user_id=BUYER, item_id=item.id)])
    settled = Wall(datetime.now(UTC) + timedelta(minutes=1))  # every event so far is old enough
    async with BotClient(TelegramSettings(token=TOKEN, owner_id=OWNER_ID), transport=emu.transport()) as bot:
        first = Notifier(store, bot, ShopSettings(), OWNER_ID, wall=settled)
        assert await first.tell_events() == 0
        await store.buy([PurchaseRequest(key="first", user_id=BUYER, item_id=item.id)])
        assert await first.tell_events() == 1
        # The process stops; a sale comes in meanwhile; a new process starts.
        await store.buy([PurchaseRequest(key="while down", user_id=BUYER, item_id=item.id, quantity=1)])
        again = Notifier(store, bot, ShopSettings(), OWNER_ID, wall=settled)
        assert await again.tell_events() == 1
        assert await again.tell_events() == 0
    assert texts_to(emu, ANN) == ["💰 Новые продажи\n• u2001 (id 2001) купил(а) 1 × Quest за 5,00 USD"] * 2


async def test_the_digest_holds_the_dashboards_cards_of_the_day_before(store: Store, emu: Emulator) -> None:
    await people(store, emu)
    await store.add_category("Games")
    item = await store.add_item("Games", "Quest", Decimal("5.00"))
    await store.add_stock("Quest", ["KEY-1"])
    await store.credit_user(BUYER, Decimal("20"))
    await store.buy([PurchaseRequest(key="today", user_id=BUYER, item_id=item.id)])
    today = datetime.now(UTC)
    await store.choose_notices(OWNER_ID, NoticeChoices(digest=True, digest_hour=6), owner_id=OWNER_ID, now=today)
    tomorrow = Wall(today.replace(hour=6, minute=0) + timedelta(days=1))
    async with BotClient(TelegramSettings(token=TOKEN, owner_id=OWNER_ID), transport=emu.transport()) as bot:
        assert await Notifier(store, bot, ShopSettings(), OWNER_ID, wall=tomorrow).tell_digests() == 1
    [digest] = texts_to(emu, OWNER_ID)
    day = digest.split("\n\n")[1].splitlines()
    assert day == [
        "That day (the day before in brackets)",
        "Revenue: 5.00 USD (0.00 USD)",
        "Purchases: 1 (0)",
        "New users: 3 (0)",
        "Paying users: 1 (0)",
        "Average order: 5.00 USD (0.00 USD)",
    ]


async def test_an_event_committed_after_a_later_one_is_still_told(postgres_url: str, emu: Emulator) -> None:
    async with open_store(StorageSettings(database_url=postgres_url)) as store:
        await people(store, emu)
        await store.grant_admin(ANN, ["payments"], actor_id=OWNER_ID)
        await store.choose_notices(ANN, NoticeChoices(payments=True), owner_id=OWNER_ID, now=datetime.now(UTC))
        async with BotClient(TelegramSettings(token=TOKEN, owner_id=OWNER_ID), transport=emu.transport()) as bot:
            notifier = Notifier(store, bot, ShopSettings(), OWNER_ID, wall=Wall(datetime.now(UTC) + timedelta(minutes=1)))
            assert await notifier.tell_events() == 0  # the first run starts at the feed's latest event
            base = await store.latest_shop_event_id()

            async def refused(event_id: int, order: str) -> None:
                async def insert() -> None:
                    await ShopEvent.create(id=event_id, kind=ShopEventKind.SECURITY, summary=f"payment.rejected {order}")

                await store.cross(insert)

            # base+1 was taken by a transaction held open (a lock wait) while base+2 committed.
            await refused(base + 2, "second")
            assert await notifier.tell_events() == 1
            assert await notifier.tell_events() == 0
            await refused(base + 1, "first")
            assert await notifier.tell_events() == 1
            assert await notifier.tell_events() == 0
    told = texts_to(emu, ANN)
    assert len(told) == 2 and "second" in told[0] and "first" in told[1]


async def test_a_refused_digest_is_skipped_for_the_day_and_a_failing_one_retried_with_backoff(
    store: Store, emu: Emulator, autojump_clock: trio.testing.MockClock
) -> None:
    await people(store, emu)
    wall = Wall(DAY.replace(hour=7))
    for user_id in (OWNER_ID, ANN):
        await store.choose_notices(user_id, NoticeChoices(digest=True, digest_hour=9), owner_id=OWNER_ID, now=wall.now)
    wall.now = DAY.replace(hour=9)
    # Telegram refuses the owner's chat for good, and answers Ann's with 502s for a while.
    refused = Fault(method="sendMessage", kind="bad_request", detail="chat not found", times=10_000)
    failing = Fault(method="sendMessage", kind="server_error", times=10_000)
    async with BotClient(TelegramSettings(token=TOKEN, owner_id=OWNER_ID), transport=emu.transport()) as bot:
        notifier = Notifier(store, bot, ShopSettings(), OWNER_ID, wall=wall)
        emu.faults.inject(refused)
        assert await notifier.tell_digests() == 0
        assert refused.times == 10_000 - 2  # one call each: the owner's refused, Ann's refused too
        emu.faults.clear()
        emu.faults.inject(failing)
        for _ in range(600):  # ten minutes of rounds, one a second
            await notifier.tell_digests()
            await trio.sleep(1)
        # Ann's was not claimed (both were refused above): nothing more is tried today.
        assert failing.times == 10_000
    assert texts_to(emu, OWNER_ID) == texts_to(emu, ANN) == []


async def test_a_digest_failing_for_a_passing_reason_is_retried_with_backoff(
    store: Store, emu: Emulator, autojump_clock: trio.testing.MockClock
) -> None:
    await people(store, emu)
    wall = Wall(DAY.replace(hour=7))
    await store.choose_notices(ANN, NoticeChoices(digest=True, digest_hour=9), owner_id=OWNER_ID, now=wall.now)
    wall.now = DAY.replace(hour=9)
    failing = Fault(method="sendMessage", kind="server_error", times=10_000)
    emu.faults.inject(failing)
    async with BotClient(TelegramSettings(token=TOKEN, owner_id=OWNER_ID), transport=emu.transport()) as bot:
        notifier = Notifier(store, bot, ShopSettings(), OWNER_ID, wall=wall)
        calls = []
        for _ in range(600):  # ten minutes of rounds, one a second
            await notifier.tell_digests()
            calls.append(10_000 - failing.times)
            await trio.sleep(1)
        emu.faults.clear()
        # Tried at 0 s, then after 30, 60, 120 and 240 s more: a handful of rounds, not 600.
        tries = sorted(set(calls))
        assert len(tries) <= 6 and calls[-1] <= 6 * 5
        wall.now += timedelta(minutes=30)
        for _ in range(1_800):
            if await notifier.tell_digests():
                break
            await trio.sleep(1)
    assert len(texts_to(emu, ANN)) == 1
