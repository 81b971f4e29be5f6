"""The shop's business-event feed (storage.feed), on SQLite and PostgreSQL: each change writes exactly
one row in its own transaction, a refused or rolled-back change writes none, and readers page it by
id (after an id, oldest first; before an id, newest first)."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import trio

from actors.housekeeper import Housekeeper
from actors.supervisor import ActorStatus, supervise
from storage import (
    AlreadyHandled,
    Delivered,
    InsufficientFunds,
    PaymentRejected,
    RefundRefused,
    RefundStarted,
    ShopEventKind,
    StaffRefused,
    StorageSettings,
    Store,
    open_store,
)
from tests.support.orders import BUYER, OTHER, OWNER_ID, buy, direct_order, paid, register, settled, stars_order, unique_item

type Row = tuple[str, int | None, str, Decimal | None]


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=database_url)) as opened:
        for user_id in (OWNER_ID, BUYER):
            await register(opened, user_id)
        yield opened


async def new_rows(store: Store, since: int) -> list[Row]:
    """The feed's rows after id `since`, oldest first: (kind, user, subject, amount)."""
    return [(row.kind, row.user_id, row.subject, row.amount) for row in await store.shop_events_after(since)]


async def test_a_first_start_registers_once(store: Store) -> None:
    start = await store.latest_shop_event_id()
    await register(store, OTHER, referrer_id=BUYER)
    assert await new_rows(store, start) == [("registration", OTHER, f"user:{OTHER}", None)]
    [row] = await store.shop_events_after(start)
    assert row.summary == f"user {OTHER} joined, invited by {BUYER}"
    # Coming back refreshes the profile: no new registration.
    await register(store, OTHER)
    assert len(await new_rows(store, start)) == 1


async def test_a_purchase_writes_one_row_and_a_refused_one_none(store: Store) -> None:
    item = await unique_item(store, 2, price="3.00", title="Key")
    start = await store.latest_shop_event_id()
    assert isinstance(await buy(store, item, "poor"), InsufficientFunds)
    assert await new_rows(store, start) == []
    await store.credit_user(BUYER, Decimal("10.00"), kind="topup", reason="test")
    bought = await buy(store, item, "k1", quantity=2)
    assert isinstance(bought, Delivered)
    assert await new_rows(store, start) == [("purchase", BUYER, f"purchase:{bought.purchase_id}", Decimal("6.00"))]
    [row] = await store.shop_events_after(start)
    assert row.summary == f"user {BUYER} bought 2 × Key" and "Key-0" not in row.summary
    # A replay of the same request delivers again and changes nothing.
    await buy(store, item, "k1", quantity=2)
    assert len(await new_rows(store, start)) == 1


async def test_a_payment_is_one_row_once_and_a_direct_purchase_adds_its_purchase(store: Store) -> None:
    order = await stars_order(store)
    item = await unique_item(store, 1, price="2.00", title="Direct")
    start = await store.latest_shop_event_id()
    assert isinstance(await store.settle_payment(paid(order, currency="USD")), PaymentRejected)
    assert await new_rows(store, start) == []
    await settled(store, paid(order))
    await settled(store, paid(order))  # reported twice: credited once
    assert await new_rows(store, start) == [("payment", BUYER, f"payment:{order.id}", Decimal("5.00"))]
    bought = await settled(store, paid(await direct_order(store, item), "charge-2"))
    assert isinstance(bought.purchase, Delivered)
    kinds = [row[0] for row in await new_rows(store, start)]
    assert kinds == ["payment", "payment", "purchase"]


async def test_a_refund_is_one_row_and_a_refused_one_none(store: Store) -> None:
    order = await stars_order(store)
    await settled(store, paid(order))
    item = await unique_item(store, 1, price="4.00", title="Spent")
    assert isinstance(await buy(store, item, "spend"), Delivered)
    start = await store.latest_shop_event_id()
    # The balance no longer covers the credit: refused, nothing written.
    assert isinstance(await store.begin_refund(order.id), RefundRefused)
    assert await new_rows(store, start) == []
    # Revoking the purchase covers it: one refund row (the revocation is part of it).
    assert isinstance(await store.begin_refund(order.id, revoke=True), RefundStarted)
    assert await new_rows(store, start) == [("refund", BUYER, f"payment:{order.id}", Decimal("5.00"))]
    await store.finish_refund(order.id, refunded=True)
    assert len(await new_rows(store, start)) == 1


async def test_a_dispute_is_one_row_without_the_buyers_words_and_a_replay_none(store: Store) -> None:
    await store.stash_updates([(77, BUYER, b'{"update_id": 77}')])
    start = await store.latest_shop_event_id()
    await store.open_dispute(BUYER, "my secret order text", recent=3, once=77)
    with pytest.raises(AlreadyHandled):
        await store.open_dispute(BUYER, "my secret order text", recent=3, once=77)
    assert await new_rows(store, start) == [("dispute", BUYER, f"user:{BUYER}", None)]
    [row] = await store.shop_events_after(start)
    assert "secret" not in row.summary


async def test_staff_actions_and_security_events_are_rows_but_repeats_are_not(store: Store) -> None:
    start = await store.latest_shop_event_id()
    await store.grant_admin(BUYER, ["stock"], actor_id=OWNER_ID)
    assert await new_rows(store, start) == [("staff", OWNER_ID, f"user:{BUYER}", None)]
    # An admin may not grant: the grant is rolled back, and only its refusal is told (a security event).
    await register(store, OTHER)
    after_grant = await store.latest_shop_event_id()
    with pytest.raises(StaffRefused):
        await store.grant_admin(OTHER, ["money"], actor_id=BUYER)
    assert await new_rows(store, after_grant) == [("security", BUYER, "", None)]
    # The same forged button again and again is one audit row with a count, and one feed row.
    repeat_start = await store.latest_shop_event_id()
    for _ in range(3):
        await store.record_event("purchase.foreign_id", actor_id=OTHER, target="abc", security=True)
    assert await new_rows(store, repeat_start) == [("security", OTHER, "", None)]


async def test_a_crashed_actor_is_told_in_the_feed_with_the_token_redacted(store: Store) -> None:
    start = await store.latest_shop_event_id()
    status = ActorStatus(on_crash=store.record_crash)
    crashed = False

    async def flaky(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        nonlocal crashed
        task_status.started()
        if not crashed:
            crashed = True
            raise RuntimeError("https://api.telegram.org/bot123:SECRETsecretSECRET/getMe failed")
        await trio.sleep_forever()

    async with trio.open_nursery() as nursery:
        await nursery.start(supervise, "poller", flaky, status)
        with trio.fail_after(10):
            while not await store.shop_events_after(start):
                await trio.sleep(0.05)
        nursery.cancel_scope.cancel()
    [row] = await store.shop_events_after(start)
    assert (row.kind, row.subject) == (ShopEventKind.CRASH, "actor:poller")
    assert row.summary == "poller crashed: RuntimeError: https://api.telegram.org/bot<token>/getMe failed"


async def test_pages_go_newest_first_by_kind_and_by_user(store: Store) -> None:
    for user_id in range(6001, 6006):
        await register(store, user_id)
    await store.grant_admin(BUYER, ["stock"], actor_id=OWNER_ID)
    first = await store.shop_events_page(kinds=[ShopEventKind.REGISTRATION], size=3)
    assert [row.user_id for row in first.rows] == [6005, 6004, 6003] and first.before == first.rows[-1].id
    second = await store.shop_events_page(kinds=[ShopEventKind.REGISTRATION], size=3, before=first.before)
    assert [row.user_id for row in second.rows] == [6002, 6001, BUYER]
    third = await store.shop_events_page(kinds=[ShopEventKind.REGISTRATION], size=3, before=second.before)
    assert [row.user_id for row in third.rows] == [OWNER_ID] and third.before is None
    # Several kinds in one query (those a reader may see); none, nothing.
    several = await store.shop_events_page(kinds=[ShopEventKind.STAFF, ShopEventKind.REGISTRATION], size=100)
    assert {row.kind for row in several.rows} == {"staff", "registration"}
    assert (await store.shop_events_page(kinds=[])).rows == []
    mine = await store.shop_events_page(user_id=6003)
    assert [(row.kind, row.user_id) for row in mine.rows] == [("registration", 6003)]
    everything = await store.shop_events_page(size=100)
    assert everything.rows[0].kind == "staff" and [row.id for row in everything.rows] == sorted(
        (row.id for row in everything.rows), reverse=True
    )
    latest = await store.latest_shop_event_id()
    assert latest == everything.rows[0].id and await store.shop_events_after(latest) == []
    assert [row.id for row in await store.shop_events_after(0, limit=2)] == sorted(row.id for row in everything.rows)[:2]


async def test_a_refund_telegram_made_is_one_row(store: Store) -> None:
    order = await stars_order(store)
    await settled(store, paid(order, "charge-9"))
    start = await store.latest_shop_event_id()
    assert isinstance(await store.record_refunded("charge-9"), RefundStarted)
    assert isinstance(await store.record_refunded("charge-9"), RefundRefused)  # told twice
    assert await new_rows(store, start) == [("refund", BUYER, f"payment:{order.id}", Decimal("5.00"))]


async def test_the_feed_is_kept_as_long_as_the_audit_log(store: Store) -> None:
    kept = await store.shop_events_after(0)
    assert kept
    await Housekeeper(store, 30).tidy(datetime.now(UTC) + timedelta(days=29))
    assert await store.shop_events_after(0) == kept
    await Housekeeper(store, 30).tidy(datetime.now(UTC) + timedelta(days=31))
    assert await store.shop_events_after(0) == []
