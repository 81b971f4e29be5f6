"""The admin panel's Statistics screen."""

from datetime import date
from decimal import Decimal

from storage.records.base import Record


class DaySales(Record, frozen=True):
    """One UTC date's sales: the sum and count of its purchases that were not revoked."""

    day: date
    revenue: Decimal
    purchases: int


class TopItem(Record, frozen=True):
    """An item among the best sellers: units sold and what they brought (revoked purchases left out)."""

    item_id: int
    title: str
    units: int
    revenue: Decimal


class LowStockItem(Record, frozen=True):
    item_id: int
    title: str
    stock_left: int


class ShopStatistics(Record, frozen=True):
    """The admin panel's Statistics screen. A "week" is today's UTC date and the six before it;
    revoked purchases count nowhere."""

    users: int
    new_today: int
    new_week: int
    blocked: int
    # Users with at least one purchase, ever.
    buyers: int
    # The last `days` UTC dates, oldest first, days without sales included.
    days: list[DaySales]
    week_revenue: Decimal
    previous_week_revenue: Decimal
    # Best sellers of the last 30 UTC dates by units, most first.
    top_items: list[TopItem]
    # Visible "unique" items running out, fewest left first.
    low_stock: list[LowStockItem]
    pending_payments: int
    pending_amount: Decimal
