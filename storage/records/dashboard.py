"""The web dashboard's figures (and the staff's daily digest, which sends its KPI cards)."""

from datetime import date, datetime
from decimal import Decimal

from storage.records.base import Record
from storage.records.statistics import DaySales, TopItem


class KpiCards(Record, frozen=True):
    """The KPI cards of a window of `days` UTC dates (`first` to `last`, `last` being today), each
    beside the same figure for the `days` dates before (`previous_*`), so a card can show the change.
    Revoked purchases count nowhere."""

    days: int
    first: date
    last: date
    revenue: Decimal
    previous_revenue: Decimal
    purchases: int
    previous_purchases: int
    # Users who registered (sent /start) in the window.
    new_users: int
    previous_new_users: int
    # Users with at least one purchase in the window.
    paying_users: int
    previous_paying_users: int
    # revenue / purchases (0.00 without purchases), to the cent.
    average_order: Decimal
    previous_average_order: Decimal


class Funnel(Record, frozen=True):
    """The users who registered in the window, and how many of them went on (at any time since) to
    open an item, to confirm a purchase or ask for its invoice, and to complete a purchase."""

    started: int
    opened_item: int
    confirmed: int
    paid: int


class RunwayItem(Record, frozen=True):
    """A visible item sold by the unit: units left, what sold over the last 7 days, and the days its
    stock lasts at that rate (None: nothing sold in 7 days, so no end in sight)."""

    item_id: int
    title: str
    units_left: int
    sold_7d: int
    days_left: Decimal | None


class StuckPayment(Record, frozen=True):
    """A payment still pending past its expiry, or a refund not finished."""

    payment_id: str
    user_id: int
    method: str
    status: str
    amount: Decimal
    created_at: datetime
    expires_at: datetime


class Dashboard(Record, frozen=True):
    """The /dashboard page's figures for a window of `kpis.days` UTC dates."""

    kpis: KpiCards
    # Every date of the window, oldest first, dates without sales included.
    days: list[DaySales]
    funnel: Funnel
    # Best sellers of the window by units, most first.
    top_items: list[TopItem]
    # Items running out soonest first (see RunwayItem), a page of them.
    runway: list[RunwayItem]
    # Payments not expired yet, waiting to be paid: how many, and their sum.
    pending: int
    pending_amount: Decimal
    # Payments past their expiry still pending, or refunding: how many in all, and the oldest few.
    stuck: int
    stuck_payments: list[StuckPayment]
