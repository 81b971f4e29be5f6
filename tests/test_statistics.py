"""The Statistics screen's figures at the storage level, on SQLite and PostgreSQL.

Every sale here happens at one moment; asking for the figures as of later dates puts that moment
"N days ago", so the day buckets, the week and the week before are checked without touching times."""

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from storage import (
    DaySales,
    Delivered,
    LowStockItem,
    NewItem,
    PaymentEvent,
    PaymentRecord,
    PurchaseRequest,
    RefundStarted,
    Settled,
    ShopStatistics,
    StorageSettings,
    Store,
    TopItem,
    open_store,
)

OWNER_ID = 1
BUYER = 6001  # buys once, and that purchase is revoked by a refund
OTHER = 6002  # the one real buyer
BLOCKED = 6003
DAY = timedelta(days=1)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=database_url)) as opened:
        for user_id in (BUYER, OTHER, BLOCKED):
            await opened.register_user(user_id, username=None, first_name=f"u{user_id}", language_code="en", owner_id=OWNER_ID)
        yield opened
        assert await opened.check_ledger() == []


async def bought(store: Store, key: str, user_id: int, item_id: int, quantity: int = 1) -> Delivered:
    (result,) = await store.buy([PurchaseRequest(key=key, user_id=user_id, item_id=item_id, quantity=quantity)])
    assert isinstance(result, Delivered), result
    return result


async def pending_order(store: Store, amount: str) -> PaymentRecord:
    order = await store.open_order(OTHER, "stars", Decimal(amount), currency="XTR", provider_amount=100, ttl=timedelta(hours=1))
    assert isinstance(order, PaymentRecord)
    return order


async def revoked_purchase(store: Store, item_id: int) -> None:
    """BUYER tops up 5.00 in Stars, buys a unit of the item (3.00), and the top-up is refunded with
    revoke: the purchase is revoked and credited back."""
    order = await store.open_order(BUYER, "stars", Decimal("5.00"), currency="XTR", provider_amount=500, ttl=timedelta(hours=1))
    assert isinstance(order, PaymentRecord)
    settled = await store.settle_payment(PaymentEvent(
        method="stars", order_id=order.id, external_id="charge-1", currency="XTR", provider_amount=500,
    ))
    assert isinstance(settled, Settled), settled
    purchase = await bought(store, "revoked", BUYER, item_id)
    started = await store.begin_refund(order.id, revoke=True)
    assert isinstance(started, RefundStarted) and started.revoked == [purchase.purchase_id]


@pytest.fixture
async def sale_time(store: Store) -> datetime:
    """A shop with a few items, one revoked purchase, two real ones (10.50 in all) and two pending
    orders; BLOCKED is blocked. Returns when the real purchases were made."""
    await store.add_category("Keys")
    key = await store.add_item("Keys", "Key", Decimal("3.00"))
    await store.add_stock("Key", [f"key-{n}" for n in range(5)])
    game = await store.add_item("Keys", "Game", Decimal("4.50"), kind="unlimited", content="a code")
    await store.add_item("Keys", "Rare", Decimal("9.00"))
    await store.add_item("Keys", "Edge", Decimal("1.00"))
    await store.add_stock("Edge", [f"edge-{n}" for n in range(5)])
    await store.add_item("Keys", "Plenty", Decimal("1.00"))
    await store.add_stock("Plenty", [f"plenty-{n}" for n in range(6)])
    await store.add_item("Keys", "Secret", Decimal("1.00"), hidden=True)
    await store.add_stock("Secret", ["secret"])
    closed = await store.add_category("Closed")
    await store.add_item("Closed", "Shut", Decimal("1.00"))
    await store.set_category_hidden(closed.id, True, actor_id=None)

    await revoked_purchase(store, key.id)
    await store.credit_user(OTHER, Decimal("20.00"))
    sale = await bought(store, "two keys", OTHER, key.id, quantity=2)
    await bought(store, "a game", OTHER, game.id)
    await pending_order(store, "1.25")
    await pending_order(store, "2.50")
    await store.set_blocked(BLOCKED, True, actor_id=None)
    return sale.created_at


def zeros(first: date, count: int) -> list[DaySales]:
    return [DaySales(day=first + n * DAY, revenue=Decimal("0.00"), purchases=0) for n in range(count)]


async def test_the_figures_on_the_day_of_the_sales(store: Store, sale_time: datetime) -> None:
    stats = await store.shop_statistics(sale_time)
    today = sale_time.date()
    assert stats == ShopStatistics(
        users=3, new_today=3, new_week=3, blocked=1,
        # BUYER's only purchase was revoked: not a buyer.
        buyers=1,
        days=[*zeros(today - 6 * DAY, 6), DaySales(day=today, revenue=Decimal("10.50"), purchases=2)],
        week_revenue=Decimal("10.50"), previous_week_revenue=Decimal("0.00"),
        # The revoked unit of Key counts neither as a unit nor as revenue.
        top_items=[
            TopItem(item_id=stats.top_items[0].item_id, title="Key", units=2, revenue=Decimal("6.00")),
            TopItem(item_id=stats.top_items[1].item_id, title="Game", units=1, revenue=Decimal("4.50")),
        ],
        # Key: 5 units, 3 sold (a revoked unit stays sold). Plenty (6) is above the limit; Secret is
        # hidden, Shut in a hidden category; Game never runs out.
        low_stock=[
            LowStockItem(item_id=stats.low_stock[0].item_id, title="Rare", stock_left=0),
            LowStockItem(item_id=stats.low_stock[1].item_id, title="Key", stock_left=2),
            LowStockItem(item_id=stats.low_stock[2].item_id, title="Edge", stock_left=5),
        ],
        pending_payments=2, pending_amount=Decimal("3.75"),
    )
    assert all(isinstance(day.revenue, Decimal) and day.revenue.as_tuple().exponent == -2 for day in stats.days)


async def test_the_sales_move_back_a_day_at_a_time_and_leave_the_window(store: Store, sale_time: datetime) -> None:
    today = sale_time.date()
    sold = DaySales(day=today, revenue=Decimal("10.50"), purchases=2)
    three_later = await store.shop_statistics(sale_time + 3 * DAY)
    assert three_later.days == [*zeros(today - 3 * DAY, 3), sold, *zeros(today + DAY, 3)]
    assert (three_later.new_today, three_later.new_week) == (0, 3)
    assert (three_later.week_revenue, three_later.previous_week_revenue) == (Decimal("10.50"), Decimal("0.00"))

    six_later = await store.shop_statistics(sale_time + 6 * DAY)
    assert six_later.days[0] == sold
    assert (six_later.new_week, six_later.week_revenue, six_later.previous_week_revenue) == (
        3, Decimal("10.50"), Decimal("0.00"),
    )

    # A week later the sales are the week before's.
    week_later = await store.shop_statistics(sale_time + 7 * DAY)
    assert week_later.days == zeros(today + DAY, 7)
    assert (week_later.new_week, week_later.week_revenue, week_later.previous_week_revenue) == (
        0, Decimal("0.00"), Decimal("10.50"),
    )
    assert (week_later.users, week_later.buyers, week_later.blocked) == (3, 1, 1)

    two_weeks_later = await store.shop_statistics(sale_time + 14 * DAY)
    assert (two_weeks_later.week_revenue, two_weeks_later.previous_week_revenue) == (Decimal("0.00"), Decimal("0.00"))


async def test_the_number_of_days_is_the_callers(store: Store, sale_time: datetime) -> None:
    today = sale_time.date()
    stats = await store.shop_statistics(sale_time + 2 * DAY, days=3)
    assert stats.days == [DaySales(day=today, revenue=Decimal("10.50"), purchases=2), *zeros(today + DAY, 2)]
    assert (await store.shop_statistics(sale_time + 3 * DAY, days=3)).days == zeros(today + DAY, 3)
    # The week does not depend on the days shown.
    assert (await store.shop_statistics(sale_time + 3 * DAY, days=3)).week_revenue == Decimal("10.50")
    assert len((await store.shop_statistics(sale_time, days=30)).days) == 30


async def test_best_sellers_count_the_last_thirty_days(store: Store, sale_time: datetime) -> None:
    assert [(row.title, row.units) for row in (await store.shop_statistics(sale_time, top=1)).top_items] == [("Key", 2)]
    assert [row.title for row in (await store.shop_statistics(sale_time + 29 * DAY)).top_items] == ["Key", "Game"]
    assert (await store.shop_statistics(sale_time + 30 * DAY)).top_items == []


async def test_the_low_stock_limit_is_the_callers(store: Store, sale_time: datetime) -> None:
    assert [row.title for row in (await store.shop_statistics(sale_time, low_stock=0)).low_stock] == ["Rare"]
    assert [row.title for row in (await store.shop_statistics(sale_time, low_stock=6)).low_stock] == [
        "Rare", "Key", "Edge", "Plenty",
    ]


async def test_low_stock_lists_at_most_ten_items_fewest_left_first(store: Store) -> None:
    await store.add_category("Bulk")
    await store.add_items("Bulk", [NewItem(title=f"Item {n:02}", price=Decimal("1.00")) for n in range(12)])
    await store.add_stock("Item 00", ["one"])
    stats = await store.shop_statistics(datetime.now(UTC))
    assert [(row.title, row.stock_left) for row in stats.low_stock] == [(f"Item {n:02}", 0) for n in range(1, 11)]


async def test_an_empty_shop_has_zeros_everywhere(store: Store) -> None:
    now = datetime(2030, 1, 15, 12, 30, tzinfo=UTC)
    assert await store.shop_statistics(now) == ShopStatistics(
        users=3, new_today=0, new_week=0, blocked=0, buyers=0,
        days=zeros(date(2030, 1, 9), 7),
        week_revenue=Decimal("0.00"), previous_week_revenue=Decimal("0.00"),
        top_items=[], low_stock=[], pending_payments=0, pending_amount=Decimal("0.00"),
    )


@pytest.mark.parametrize("arguments", [{"days": 0}, {"days": 367}, {"top": 0}])
async def test_arguments_out_of_range_are_refused(store: Store, arguments: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        await store.shop_statistics(datetime.now(UTC), **arguments)


async def test_a_naive_now_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="aware"):
        await store.shop_statistics(datetime(2030, 1, 15))
