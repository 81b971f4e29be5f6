"""The shop's figures for the admin panel's Statistics screen, counted by the database."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from tortoise.expressions import Q
from tortoise.functions import Count, Sum
from tortoise.transactions import in_transaction

from storage.catalog import in_shown_category
from storage.models import CENT, Item, ItemKind, Payment, PaymentStatus, Purchase, User
from storage.records import DaySales, LowStockItem, ShopStatistics, TopItem

WEEK = 7
TOP_WINDOW = 30  # days the best sellers are counted over
LOW_STOCK_ROWS = 10
# Each day is two columns of one query: PostgreSQL allows 1,664 result columns.
MAX_DAYS = 366


def _money(value: Any) -> Decimal:
    # SQLite sums decimals as floats: back to cents.
    return Decimal(value or 0).quantize(CENT)


async def shop_statistics(now: datetime, *, days: int = 7, top: int = 5, low_stock: int = 5) -> ShopStatistics:
    """The Statistics screen's figures as of `now` (an aware datetime), in one transaction.

    Days are UTC dates; a window of N days is `now`'s date and the N - 1 before it. ValueError for a
    naive `now`, `days` outside 1..366 or `top` below 1.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1 to {MAX_DAYS}")
    if top < 1:
        raise ValueError("top must be at least 1")
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    tomorrow = today + timedelta(days=1)
    week = today - timedelta(days=WEEK - 1)
    previous_week = week - timedelta(days=WEEK)
    starts = [today - timedelta(days=back) for back in range(days - 1, -1, -1)]

    def between(start: datetime, end: datetime) -> Q:
        return Q(created_at__gte=start, created_at__lt=end)

    async with in_transaction() as conn:
        people = (
            await User.annotate(
                total=Count("id"),
                today=Count("id", _filter=between(today, tomorrow)),
                week=Count("id", _filter=between(week, tomorrow)),
                blocked_users=Count("id", _filter=Q(blocked=True)),
            )
            .using_db(conn)
            .first()
            .values("total", "today", "week", "blocked_users")
        )
        buyers = cast(
            int | None,
            await Purchase.filter(revoked_at=None)
            .using_db(conn)
            .annotate(n=Count("user_id", distinct=True))
            .first()
            .values_list("n", flat=True),
        )
        # One conditional sum and count per day, in one pass, rather than GROUP BY a date: the date of
        # a timestamp is spelled differently per dialect (SQLite stores text, PostgreSQL timestamptz)
        # and Tortoise has no portable truncation, while range comparisons mean the same on both.
        per_day: dict[str, Any] = {}
        for n, start in enumerate(starts):
            window = between(start, start + timedelta(days=1))
            per_day[f"r{n}"] = Sum("total", _filter=window)
            per_day[f"c{n}"] = Count("id", _filter=window)
        sales = (
            await Purchase.filter(revoked_at=None, created_at__gte=min(starts[0], previous_week), created_at__lt=tomorrow)
            .using_db(conn)
            .annotate(
                week_revenue=Sum("total", _filter=between(week, tomorrow)),
                previous_revenue=Sum("total", _filter=between(previous_week, week)),
                **per_day,
            )
            .first()
            .values("week_revenue", "previous_revenue", *per_day)
        )
        # Not "units": that name is Purchase's relation to its stock units.
        best = (
            await Purchase.filter(
                revoked_at=None, created_at__gte=today - timedelta(days=TOP_WINDOW - 1), created_at__lt=tomorrow
            )
            .using_db(conn)
            .annotate(sold=Sum("quantity"), revenue=Sum("total"))
            .group_by("item_id", "item__title")
            .order_by("-sold", "-revenue", "item__title")
            .limit(top)
            .values("item_id", "item__title", "sold", "revenue")
        )
        running_out = (
            await Item.filter(in_shown_category(), hidden=False, deleted_at=None, kind=ItemKind.UNIQUE, stock_left__lte=low_stock)
            .using_db(conn)
            .order_by("stock_left", "title")
            .limit(LOW_STOCK_ROWS)
            .values("id", "title", "stock_left")
        )
        pending = (
            await Payment.filter(status=PaymentStatus.PENDING)
            .using_db(conn)
            .annotate(n=Count("id"), amount=Sum("amount"))
            .first()
            .values("n", "amount")
        )
    return ShopStatistics(
        users=people["total"],
        new_today=people["today"],
        new_week=people["week"],
        blocked=people["blocked_users"],
        buyers=buyers or 0,
        days=[
            DaySales(day=start.date(), revenue=_money(sales[f"r{n}"]), purchases=sales[f"c{n}"]) for n, start in enumerate(starts)
        ],
        week_revenue=_money(sales["week_revenue"]),
        previous_week_revenue=_money(sales["previous_revenue"]),
        top_items=[
            TopItem(item_id=row["item_id"], title=row["item__title"], units=row["sold"], revenue=_money(row["revenue"]))
            for row in best
        ],
        low_stock=[LowStockItem(item_id=row["id"], title=row["title"], stock_left=row["stock_left"]) for row in running_out],
        pending_payments=pending["n"],
        pending_amount=_money(pending["amount"]),
    )
