"""Stock runways: how many days each unique item's stock lasts at its sales rate of the last
RUNWAY_DAYS × 24 hours, for the dashboard's "running out" list and the staff's low-stock notice alike
(one rule: items on sale, in a shown category). One GROUP BY over those hours' purchases, ordered and
paged by the database; an item that sold nothing lately has no end in sight and is left out."""

from datetime import datetime, timedelta
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F, Q
from tortoise.functions import Max, Sum

from storage.models import ItemKind, Purchase
from storage.records.dashboard import RunwayItem

RUNWAY_DAYS = 7
# Ordered by days left to a thousandth (integer arithmetic, the same on both dialects).
RUNWAY_SCALE = 1000
TENTH = Decimal("0.1")


async def runways(conn: BaseDBAsyncClient | None, now: datetime, limit: int, offset: int = 0) -> list[RunwayItem]:
    """Items on sale that sold in the RUNWAY_DAYS × 24 h up to `now` (a sale at `now` counts), soonest
    to run out first."""
    since = now - timedelta(days=RUNWAY_DAYS)
    rows = (
        await Purchase.filter(
            Q(item__category__parent_id=None) | Q(item__category__parent__hidden=False),
            revoked_at=None,
            created_at__gt=since,
            created_at__lte=now,
            item__kind=ItemKind.UNIQUE,
            item__hidden=False,
            item__deleted_at=None,
            item__category__hidden=False,
        )
        .using_db(conn)
        .annotate(sold=Sum("quantity"), left=Max("item__stock_left"))
        .annotate(order=F("left") * RUNWAY_SCALE / F("sold"))
        .group_by("item_id", "item__title")
        .order_by("order", "item__title")
        .limit(limit)
        .offset(offset)
        .values("item_id", "item__title", "left", "sold")
    )
    return [
        RunwayItem(
            item_id=row["item_id"],
            title=row["item__title"],
            units_left=row["left"],
            sold_7d=row["sold"],
            days_left=(Decimal(row["left"]) * RUNWAY_DAYS / row["sold"]).quantize(TENTH),
        )
        for row in rows
    ]
