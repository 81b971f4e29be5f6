"""The web dashboard's figures (and the KPI cards of the staff's daily digest), counted by the database.

A window of N days is `now`'s UTC date and the N - 1 dates before it, as in storage.statistics; its
"previous" window is the N dates before that. Every query reads one index range and returns one
aggregate row or one short page: purchases by (created_at), users by (created_at), the funnel's
milestones by (started_at), payments by (status, expires_at). Revoked purchases count nowhere.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q, RawSQL
from tortoise.functions import Count, Sum
from tortoise.transactions import in_transaction

from storage.funnel_models import UserMilestone
from storage.models import CENT, Item, Payment, PaymentStatus, Purchase, User
from storage.records import DaySales, TopItem
from storage.records.dashboard import Dashboard, Funnel, KpiCards, StuckPayment
from storage.runway import runways
from storage.statistics import MAX_DAYS


class Window:
    """The UTC instants bounding a window of `days` dates ending with `now`'s date, and the one before."""

    def __init__(self, now: datetime, days: int) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        if not 1 <= days <= MAX_DAYS:
            raise ValueError(f"days must be 1 to {MAX_DAYS}")
        today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.now = now
        self.days = days
        self.end = today + timedelta(days=1)
        self.first = today - timedelta(days=days - 1)
        self.previous = self.first - timedelta(days=days)
        self.starts = [self.first + timedelta(days=n) for n in range(days)]

    def current(self, field: str = "created_at") -> Q:
        bounds: dict[str, Any] = {f"{field}__gte": self.first, f"{field}__lt": self.end}
        return Q(**bounds)

    def before(self, field: str = "created_at") -> Q:
        bounds: dict[str, Any] = {f"{field}__gte": self.previous, f"{field}__lt": self.first}
        return Q(**bounds)


def _money(value: Any) -> Decimal:
    # SQLite sums decimals as floats: back to cents.
    return Decimal(value or 0).quantize(CENT)


def _average(revenue: Decimal, purchases: int) -> Decimal:
    return (revenue / purchases).quantize(CENT) if purchases else Decimal("0.00")


async def dashboard_kpis(now: datetime, days: int) -> KpiCards:
    """The KPI cards of the `days` dates ending with `now`'s UTC date (1: today), each with the value of
    the `days` dates before. ValueError for a naive `now` or `days` outside 1..366."""
    window = Window(now, days)
    async with in_transaction() as conn:
        sales = await _sales(conn, window)
        users = await _registrations(conn, window)
    return _cards(window, sales, users)


async def dashboard(
    now: datetime, days: int, *, top: int = 10, runway: int = 10, runway_page: int = 1, stuck: int = 10
) -> Dashboard:
    """The /dashboard page's figures for the `days` dates ending with `now`'s UTC date, in one transaction:
    the KPI cards, sales per date, the funnel, the `top` best sellers, page `runway_page` of `runway`
    items running out soonest, and the `stuck` oldest stuck payments. ValueError as for dashboard_kpis,
    or for a `top`, `runway`, `runway_page` or `stuck` below 1."""
    window = Window(now, days)
    if min(top, runway, runway_page, stuck) < 1:
        raise ValueError("top, runway, runway_page and stuck must be at least 1")
    async with in_transaction() as conn:
        sales = await _sales(conn, window)
        days_sold = await _per_day(conn, window)
        users = await _registrations(conn, window)
        steps = (
            await UserMilestone.filter(window.current("started_at"))
            .using_db(conn)
            .annotate(opened=Count("opened_at"), confirmed=Count("confirmed_at"), paid=Count("paid_at"))
            .first()
            .values("opened", "confirmed", "paid")
        )
        # Grouped by item id alone, from the index; then the few titles. (Not "units": that name is
        # Purchase's relation to its stock units.)
        best = (
            await Purchase.filter(window.current(), revoked_at=None)
            .using_db(conn)
            .annotate(sold=Sum("quantity"), revenue=Sum("total"))
            .group_by("item_id")
            .order_by("-sold", "-revenue", "item_id")
            .limit(top)
            .values("item_id", "sold", "revenue")
        )
        titles = dict(await Item.filter(id__in=[row["item_id"] for row in best]).using_db(conn).values_list("id", "title"))
        running_out = await runways(conn, window.now, runway, (runway_page - 1) * runway)
        payments = await _payments(conn, window, stuck)
    return Dashboard(
        kpis=_cards(window, sales, users),
        days=days_sold,
        funnel=Funnel(started=users["now"], opened_item=steps["opened"], confirmed=steps["confirmed"], paid=steps["paid"]),
        top_items=[
            TopItem(item_id=row["item_id"], title=titles[row["item_id"]], units=row["sold"], revenue=_money(row["revenue"]))
            for row in best
        ],
        runway=running_out,
        **payments,
    )


async def _sales(conn: BaseDBAsyncClient, window: Window) -> dict[str, Any]:
    """The two windows' revenue, purchases and paying users: an aggregate of each window's range of the
    purchases' (created_at, …) index, which holds every column read, so no row is visited. (One pass
    over both with conditional aggregates costs more: a CASE per column per row.)"""
    sales: dict[str, Any] = {}
    for prefix, start, end in (("", window.first, window.end), ("previous_", window.previous, window.first)):
        row = (
            await Purchase.filter(revoked_at=None, created_at__gte=start, created_at__lt=end)
            .using_db(conn)
            # Count("user_id"), never null, as COUNT(*): "id" is not in the index.
            .annotate(revenue=Sum("total"), purchases=Count("user_id"), payers=Count("user_id", distinct=True))
            .first()
            .values("revenue", "purchases", "payers")
        )
        sales.update({f"{prefix}{key}": value for key, value in row.items()})
    return sales


async def _per_day(conn: BaseDBAsyncClient, window: Window) -> list[DaySales]:
    """Each date's revenue and purchases. PostgreSQL: one GROUP BY the UTC date (a hash aggregate, one
    round trip). SQLite: one small aggregate per date, an index range each; there a GROUP BY the date
    (text, by substr) sorts every row in a temporary B-tree and costs several times as much."""
    sold = Purchase.filter(revoked_at=None).using_db(conn)
    found: dict[date, dict[str, Any]] = {}
    if conn.capabilities.dialect == "postgres":
        rows = (
            await sold.filter(window.current())
            .annotate(day=RawSQL("""("created_at" AT TIME ZONE 'UTC')::date"""), revenue=Sum("total"), purchases=Count("user_id"))
            .group_by("day")
            .values("day", "revenue", "purchases")
        )
        found = {row["day"]: row for row in rows}
    else:
        for start in window.starts:
            found[start.date()] = (
                await sold.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1))
                .annotate(revenue=Sum("total"), purchases=Count("user_id"))
                .first()
                .values("revenue", "purchases")
            )
    empty = {"revenue": 0, "purchases": 0}
    return [
        DaySales(day=day, revenue=_money(found.get(day, empty)["revenue"]), purchases=found.get(day, empty)["purchases"])
        for day in (start.date() for start in window.starts)
    ]


async def _registrations(conn: BaseDBAsyncClient, window: Window) -> dict[str, Any]:
    # Two counts of an index range each: cheaper than one pass with a CASE per row.
    users = User.filter(created_at__lt=window.end).using_db(conn)
    return {
        "now": await users.filter(created_at__gte=window.first).count(),
        "before": await User.filter(created_at__gte=window.previous, created_at__lt=window.first).using_db(conn).count(),
    }


def _cards(window: Window, sales: dict[str, Any], users: dict[str, Any]) -> KpiCards:
    revenue, previous = _money(sales["revenue"]), _money(sales["previous_revenue"])
    return KpiCards(
        days=window.days,
        first=window.first.date(),
        last=(window.end - timedelta(days=1)).date(),
        revenue=revenue,
        previous_revenue=previous,
        purchases=sales["purchases"],
        previous_purchases=sales["previous_purchases"],
        new_users=users["now"],
        previous_new_users=users["before"],
        paying_users=sales["payers"],
        previous_paying_users=sales["previous_payers"],
        average_order=_average(revenue, sales["purchases"]),
        previous_average_order=_average(previous, sales["previous_purchases"]),
    )


async def _payments(conn: BaseDBAsyncClient, window: Window, limit: int) -> dict[str, Any]:
    now = window.now
    waiting = (
        await Payment.filter(status=PaymentStatus.PENDING, expires_at__gte=now)
        .using_db(conn)
        .annotate(n=Count("id"), amount=Sum("amount"))
        .first()
        .values("n", "amount")
    )
    stuck = Q(status=PaymentStatus.PENDING, expires_at__lt=now) | Q(status=PaymentStatus.REFUNDING)
    counted = await Payment.filter(stuck).using_db(conn).annotate(n=Count("id")).first().values("n")
    oldest = (
        await Payment.filter(stuck)
        .using_db(conn)
        .order_by("created_at")
        .limit(limit)
        .values("id", "user_id", "method", "status", "amount", "created_at", "expires_at")
    )
    return {
        "pending": waiting["n"],
        "pending_amount": _money(waiting["amount"]),
        "stuck": counted["n"],
        "stuck_payments": [
            StuckPayment(
                payment_id=str(row["id"]),
                user_id=row["user_id"],
                method=str(row["method"]),
                status=str(row["status"]),
                amount=_money(row["amount"]),
                created_at=row["created_at"],
                expires_at=row["expires_at"],
            )
            for row in oldest
        ],
    }
