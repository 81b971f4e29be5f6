"""Promo codes: a discount that applies, why a code does not, a credit redeemed, a code as the staff sees it."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from storage.kinds import PromoKind
from storage.records.base import Record


class PromoDiscount(Record, frozen=True):
    """A discount code that applies to this order: `discount` is what it takes off the order total."""

    code: str
    kind: PromoKind  # percent or fixed
    value: Decimal
    discount: Decimal


type PromoReason = Literal[
    "unknown", "inactive", "expired", "used_up", "already_used", "not_for_item", "not_discount", "not_credit"
]


class PromoRefusal(Record, frozen=True):
    """Why a promo code does not apply: unknown, inactive (disabled), expired, used_up (max uses
    reached), already_used (by this user, once-per-user codes), not_for_item (scoped elsewhere),
    not_discount (a credit code offered at checkout), not_credit (a discount code offered for credit)."""

    code: str
    reason: PromoReason


class PromoCredited(Record, frozen=True):
    """A credit code redeemed: `amount` added to the balance, which is now `balance`."""

    code: str
    amount: Decimal
    balance: Decimal


class PromoRecord(Record, frozen=True):
    """A promo code as the operator sees it. A scope names one item or one category (and its subcategories)."""

    id: int
    code: str
    kind: PromoKind
    value: Decimal
    max_uses: int | None  # None: unlimited
    uses: int
    once_per_user: bool
    expires_at: datetime | None
    active: bool
    item_title: str | None = None
    category_name: str | None = None
