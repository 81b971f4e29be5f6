"""The web dashboard's figures at the storage level, on SQLite and PostgreSQL: KPI cards against the
previous window, sales per date, the funnel, best sellers, stock runway and stuck payments.

Every sale here happens at one moment; asking for the figures as of later dates puts that moment
"N days ago", as in test_statistics."""

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from storage import (
    DaySales,
    Funnel,
    KpiCards,
    PaymentEvent,
    PaymentRecord,
    RefundStarted,
    RunwayItem,
    Settled,
    Step,
    StorageSettings,
    Store,
    TopItem,
    open_store,
)
from tests.support.store import add_goods, bought

OWNER_ID = 1
ANN, BOB, CAT = 7001, 7002, 7003
DAY = timedelta(days=1)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=database_url)) as opened:
        for user_id in (ANN, BOB, CAT):
            await opened.register_user(user_id, username=None, first_name=f"u{user_id}", language_code="en", owner_id=OWNER_ID)
        yield opened
        assert await opened.check_ledger() == []


@pytest.fixture
async def sale_time(store: Store) -> datetime:
    """Key (3.00, 5 units) and Pen (1.50, 20 units); ANN buys 2 Keys, BOB 1 Key and 4 Pens: 15.00 in
    3 purchases by 2 users. CAT buys nothing. Returns when the purchases were made."""
    key = await add_goods(store, "Key", price="3.00", units=5)
    pen = await add_goods(store, "Pen", price="1.50", units=20)
    for user_id in (ANN, BOB):
        await store.credit_user(user_id, Decimal("20.00"))
    await bought(store, ANN, key, quantity=2, key="ann-keys")
    await bought(store, BOB, key, key="bob-key")
    sale = await bought(store, BOB, pen, quantity=4, key="bob-pens")
    return sale.created_at


def cards(first: date, last: date, **figures: object) -> KpiCards:
    zero = {
        "revenue": Decimal("0.00"), "previous_revenue": Decimal("0.00"), "purchases": 0, "previous_purchases": 0,
        "new_users": 0, "previous_new_users": 0, "paying_users": 0, "previous_paying_users": 0,
        "average_order": Decimal("0.00"), "previous_average_order": Decimal("0.00"),
    }
    return KpiCards(days=(last - first).days + 1, first=first, last=last, **{**zero, **figures})  # type: ignore[arg-type]


async def test_todays_cards(store: Store, sale_time: datetime) -> None:
    today = sale_time.date()
    assert await store.dashboard_kpis(sale_time, 1) == cards(
        today, today, revenue=Decimal("15.00"), purchases=3, new_users=3, paying_users=2, average_order=Decimal("5.00"),
    )


async def test_the_cards_compare_with_the_window_before(store: Store, sale_time: datetime) -> None:
    today = sale_time.date()
    # The next day, today's figures are yesterday's: the previous window.
    assert await store.dashboard_kpis(sale_time + DAY, 1) == cards(
        today + DAY, today + DAY, previous_revenue=Decimal("15.00"), previous_purchases=3, previous_new_users=3,
        previous_paying_users=2, previous_average_order=Decimal("5.00"),
    )
    # Six days later they are still in the 7-day window; seven days later in the one before.
    week = await store.dashboard_kpis(sale_time + 6 * DAY, 7)
    assert (week.first, week.last, week.revenue, week.previous_revenue, week.new_users) == (
        today, today + 6 * DAY, Decimal("15.00"), Decimal("0.00"), 3,
    )
    after = await store.dashboard_kpis(sale_time + 7 * DAY, 7)
    assert (after.revenue, after.previous_revenue, after.previous_paying_users, after.previous_new_users) == (
        Decimal("0.00"), Decimal("15.00"), 2, 3,
    )
    assert (await store.dashboard_kpis(sale_time + 59 * DAY, 30)).previous_revenue == Decimal("15.00")
    assert (await store.dashboard_kpis(sale_time + 60 * DAY, 30)).previous_revenue == Decimal("0.00")


async def test_a_revoked_purchase_counts_nowhere(store: Store, sale_time: datetime) -> None:
    order = await store.open_order(CAT, "stars", Decimal("5.00"), currency="XTR", provider_amount=500, ttl=timedelta(hours=1))
    assert isinstance(order, PaymentRecord)
    paid = PaymentEvent(method="stars", order_id=order.id, external_id="charge-1", currency="XTR", provider_amount=500)
    assert isinstance(await store.settle_payment(paid), Settled)
    pen = await add_goods(store, "Pencil", price="1.50", units=1)
    await bought(store, CAT, pen, key="cat-pen")
    started = await store.begin_refund(order.id, revoke=True)
    assert isinstance(started, RefundStarted) and len(started.revoked) == 1
    kpis = await store.dashboard_kpis(datetime.now(UTC), 1)
    assert (kpis.revenue, kpis.purchases, kpis.paying_users) == (Decimal("15.00"), 3, 2)


async def test_the_page_figures(store: Store, sale_time: datetime) -> None:
    today = sale_time.date()
    key, pen = (row.item_id for row in (await store.dashboard_figures(sale_time, 1)).runway)
    figures = await store.dashboard_figures(sale_time + DAY, 7)
    assert figures.kpis.revenue == Decimal("15.00") and figures.kpis.days == 7
    assert figures.days == [
        *(DaySales(day=today - n * DAY, revenue=Decimal("0.00"), purchases=0) for n in range(5, 0, -1)),
        DaySales(day=today, revenue=Decimal("15.00"), purchases=3),
        DaySales(day=today + DAY, revenue=Decimal("0.00"), purchases=0),
    ]
    assert figures.top_items == [
        TopItem(item_id=pen, title="Pen", units=4, revenue=Decimal("6.00")),
        TopItem(item_id=key, title="Key", units=3, revenue=Decimal("9.00")),
    ]
    # Key: 2 left at 3 a week lasts 4.7 days; Pen: 16 left at 4 a week, 28.
    assert figures.runway == [
        RunwayItem(item_id=key, title="Key", units_left=2, sold_7d=3, days_left=Decimal("4.7")),
        RunwayItem(item_id=pen, title="Pen", units_left=16, sold_7d=4, days_left=Decimal("28.0")),
    ]
    assert (await store.dashboard_figures(sale_time, 1, runway=1, runway_page=2)).runway[0].title == "Pen"
    # The runway's rate is the last 7 days': a week later nothing sold lately.
    assert (await store.dashboard_figures(sale_time + 7 * DAY, 30)).runway == []
    assert [row.title for row in (await store.dashboard_figures(sale_time, 1, top=1)).top_items] == ["Pen"]


async def test_the_funnel_counts_the_users_who_registered_in_the_window(store: Store, sale_time: datetime) -> None:
    # The chat notes each step (tests/test_web_dashboard.py goes through it).
    for user_id in (ANN, BOB, CAT):
        await store.reach(user_id, Step.OPENED)
    await store.reach(CAT, Step.OPENED)
    await store.reach(ANN, Step.CONFIRMED)
    for user_id in (ANN, BOB):
        await store.reach(user_id, Step.PAID)
    figures = await store.dashboard_figures(sale_time, 1)
    assert figures.funnel == Funnel(started=3, opened_item=3, confirmed=1, paid=2)
    # The window is that of registrations: a week later nobody started.
    assert (await store.dashboard_figures(sale_time + 7 * DAY, 7)).funnel == Funnel(started=0, opened_item=0, confirmed=0, paid=0)
    assert (await store.dashboard_figures(sale_time + 6 * DAY, 7)).funnel.paid == 2


async def test_a_step_is_noted_once(store: Store, sale_time: datetime) -> None:
    async def opened_at(user_id: int) -> datetime | None:
        from storage.funnel_models import UserMilestone

        async def read() -> datetime | None:
            return await UserMilestone.filter(user_id=user_id).first().values_list("opened_at", flat=True)  # type: ignore[return-value]

        return await store.cross(read)

    await store.reach(CAT, Step.OPENED)
    first = await opened_at(CAT)
    assert first is not None
    # Another process (no cache of its own yet) notes it again: the first time stays.
    store._milestones.clear()
    await store.reach(CAT, Step.OPENED)
    assert await opened_at(CAT) == first
    await store.reach(999_999, Step.OPENED)  # nobody: nothing to note


async def test_payments_pending_and_stuck(store: Store) -> None:
    now = datetime.now(UTC)
    fresh = await store.open_order(ANN, "stars", Decimal("2.50"), currency="XTR", provider_amount=250, ttl=timedelta(hours=1))
    late = await store.open_order(BOB, "stars", Decimal("4.00"), currency="XTR", provider_amount=400, ttl=timedelta(minutes=1))
    assert isinstance(fresh, PaymentRecord) and isinstance(late, PaymentRecord)
    figures = await store.dashboard_figures(now, 1)
    assert (figures.pending, figures.pending_amount, figures.stuck) == (2, Decimal("6.50"), 0)
    # Ten minutes on, the reconciler has not expired the late one: it is stuck.
    later = await store.dashboard_figures(now + timedelta(minutes=10), 1)
    assert (later.pending, later.pending_amount, later.stuck) == (1, Decimal("2.50"), 1)
    assert [(row.payment_id, row.user_id, row.amount, row.status) for row in later.stuck_payments] == [
        (late.id, BOB, Decimal("4.00"), "pending"),
    ]


async def test_an_empty_shop_shows_zeros(store: Store) -> None:
    figures = await store.dashboard_figures(datetime(2030, 1, 15, 12, tzinfo=UTC), 30)
    assert figures.kpis == cards(date(2029, 12, 17), date(2030, 1, 15))
    assert len(figures.days) == 30 and figures.days[-1] == DaySales(day=date(2030, 1, 15), revenue=Decimal("0.00"), purchases=0)
    assert (figures.top_items, figures.runway, figures.stuck_payments) == ([], [], [])


@pytest.mark.parametrize("arguments", [{"days": 0}, {"days": 367}, {"days": 7, "top": 0}, {"days": 7, "runway_page": 0}])
async def test_arguments_out_of_range_are_refused(store: Store, arguments: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        await store.dashboard_figures(datetime.now(UTC), **arguments)
    with pytest.raises(ValueError, match="aware"):
        await store.dashboard_kpis(datetime(2030, 1, 15), 1)


async def test_the_runway_and_the_low_stock_notice_follow_one_rule(store: Store, sale_time: datetime) -> None:
    # Items in a hidden category are not on sale: neither the dashboard's runway nor the notice shows them.
    [goods] = [c for c in await store.list_categories() if c.name == "Goods"]
    await store.set_category_hidden(goods.id, True, actor_id=None)
    assert (await store.dashboard_figures(sale_time, 1)).runway == []
    assert await store.claim_running_low(sale_time, 30) == []
    await store.set_category_hidden(goods.id, False, actor_id=None)
    # The same items, days left and window (the 7 × 24 h up to now) in both.
    runway = (await store.dashboard_figures(sale_time, 1)).runway
    low = await store.claim_running_low(sale_time, 30)
    assert [(r.item_id, r.units_left, r.sold_7d, r.days_left) for r in runway] == [
        (r.item_id, r.stock_left, r.sold_7d, r.days_left) for r in low
    ]
