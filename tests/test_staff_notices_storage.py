"""Staff notices in storage, on SQLite and PostgreSQL: choosing them goes through the staff-access layer
and is audited with the change; the digest is claimed once per person and date; items running low and
stuck payments are told once until they recover."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from storage import NoticeChoices, PurchaseRequest, Refused, StorageSettings, Store, open_store
from storage.staff_notices import REFUND_STUCK_AFTER
from tests.support.orders import BUYER, paid_stars_top_up, register

OWNER, ANN, BOB = 1, 1001, 1002
NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=database_url)) as opened:
        for user_id in (OWNER, ANN, BOB):
            await opened.register_user(
                user_id, username=None, first_name=f"u{user_id}", language_code="en", owner_id=OWNER, referrer_id=None
            )
        await opened.grant_admin(ANN, ["stock"], actor_id=OWNER)
        yield opened


async def test_choosing_needs_staff_and_each_notice_what_it_shows(store: Store) -> None:
    assert await store.notice_choices(ANN) == NoticeChoices()  # the defaults: disputes only
    refused = await store.choose_notices(BOB, NoticeChoices(disputes=False), owner_id=OWNER, now=NOON)
    assert isinstance(refused, Refused) and refused.reason == "staff"
    # Ann holds stock, not statistics: low stock yes, every sale no.
    refused = await store.choose_notices(ANN, NoticeChoices(sales=True, low_stock=True), owner_id=OWNER, now=NOON)
    assert isinstance(refused, Refused) and refused.permission == "statistics"
    assert await store.notice_choices(ANN) == NoticeChoices()
    chosen = NoticeChoices(low_stock=True, disputes=False)
    assert await store.choose_notices(ANN, chosen, owner_id=OWNER, now=NOON) == chosen
    assert await store.notice_choices(ANN) == chosen
    with pytest.raises(ValueError):
        await store.choose_notices(ANN, NoticeChoices(digest_hour=24), owner_id=OWNER, now=NOON)
    events = (await store.audit_page(1, 10)).rows
    assert [(e.action, e.actor_id, e.detail) for e in reversed(events)] == [
        ("admin.grant", OWNER, "user→admin: stock"),
        ("permission.refused", BOB, "staff"),
        ("permission.refused", ANN, "statistics"),
        ("notices.choose", ANN, "low_stock"),
    ]
    assert [u.id for u in await store.notice_recipients("low_stock", owner_id=OWNER)] == [ANN]
    assert [u.id for u in await store.notice_recipients("disputes", owner_id=OWNER)] == [OWNER]
    # Revoked: told nothing any more.
    await store.revoke_admin(ANN, actor_id=OWNER)
    assert await store.notice_recipients("low_stock", owner_id=OWNER) == []


async def test_a_digest_is_claimed_once_a_day_from_its_hour(store: Store) -> None:
    # Chosen at noon for 9 o'clock: the first digest is tomorrow's.
    await store.choose_notices(OWNER, NoticeChoices(digest=True, digest_hour=9), owner_id=OWNER, now=NOON)
    assert await store.due_digests(NOON, owner_id=OWNER) == []
    tomorrow = NOON + timedelta(days=1)
    assert await store.due_digests(tomorrow.replace(hour=8, minute=59), owner_id=OWNER) == []
    nine = tomorrow.replace(hour=9)
    assert [u.id for u in await store.due_digests(nine, owner_id=OWNER)] == [OWNER]
    assert await store.claim_digest(OWNER, nine.date())
    assert not await store.claim_digest(OWNER, nine.date())
    assert await store.due_digests(nine.replace(hour=10), owner_id=OWNER) == []
    await store.release_digest(OWNER, nine.date())
    assert [u.id for u in await store.due_digests(nine.replace(hour=10), owner_id=OWNER)] == [OWNER]


async def buy(store: Store, item_id: int, keys: range) -> None:
    await store.buy([PurchaseRequest(key=f"buy-{n}", user_id=BOB, item_id=item_id) for n in keys])


async def test_an_item_running_low_is_told_once_until_restocked(store: Store) -> None:
    await store.add_category("Games")
    item = await store.add_item("Games", "Quest", Decimal("5.00"))
    await store.add_stock("Quest", [f"KEY-{n}" for n in range(4)])
    await store.credit_user(BOB, Decimal("100"))
    await buy(store, item.id, range(2))
    now = datetime.now(UTC) + timedelta(minutes=1)
    # 2 left, 2 sold in 7 days: 7 days of stock. Under 8 days it is low, under 7 it is not.
    assert await store.claim_running_low(now, 7) == []
    [low] = await store.claim_running_low(now, 8)
    assert (low.title, low.stock_left, low.sold_7d, low.days_left) == ("Quest", 2, 2, Decimal("7.0"))
    assert await store.claim_running_low(now, 8) == []
    # Restocked, it is forgotten; running low again, it is told again.
    await store.add_stock("Quest", [f"MORE-{n}" for n in range(10)])
    assert await store.claim_running_low(now, 8) == []
    await buy(store, item.id, range(2, 12))
    assert [i.item_id for i in await store.claim_running_low(now, 8)] == [item.id]


async def test_the_feed_cursor_moves_for_one_of_two_processes(store: Store) -> None:
    assert await store.notice_cursor() is None
    assert await store.advance_notice_cursor(None, 5)
    assert not await store.advance_notice_cursor(None, 7)  # another process started it first
    assert await store.advance_notice_cursor(5, 9)
    assert not await store.advance_notice_cursor(5, 12)  # moved on already
    assert await store.notice_cursor() == 9


async def test_a_refund_unfinished_a_check_interval_on_is_stuck_and_told_once(store: Store) -> None:
    await register(store, BUYER)
    payment = await paid_stars_top_up(store)
    now = datetime.now(UTC)
    assert await store.claim_stuck_payments(now) == []
    await store.begin_refund(payment.id)
    # The reconciler finishes an interrupted refund within a round: at the first look it is not stuck
    # yet, nor when a second process looks seconds later.
    assert await store.claim_stuck_payments(now) == []
    assert await store.claim_stuck_payments(now + timedelta(seconds=5)) == []
    [stuck] = await store.claim_stuck_payments(now + REFUND_STUCK_AFTER)
    assert (stuck.payment_id, stuck.status, stuck.user_id) == (payment.id, "refunding", BUYER)
    assert await store.claim_stuck_payments(now) == []
