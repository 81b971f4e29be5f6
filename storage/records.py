"""Plain records returned by store functions: nothing above storage touches an ORM object."""

from datetime import datetime
from decimal import Decimal

import msgspec


class Record(msgspec.Struct, frozen=True, kw_only=True):
    pass


class Page[T](Record):
    """One page of a longer list: `number` is 1-based and within 1..pages."""

    rows: list[T]
    number: int
    pages: int
    total: int


class UserRecord(Record):
    id: int
    username: str | None
    first_name: str
    language_code: str | None
    # Chosen in Profile; None means "follow language_code".
    language: str | None
    role: str
    balance: Decimal


class CategoryRecord(Record):
    id: int
    name: str
    # Visible items directly in this category (not in its subcategories).
    item_count: int
    parent_id: int | None = None


class ItemRecord(Record):
    id: int
    category_id: int
    title: str
    description: str
    price: Decimal
    kind: str  # "unique", "unlimited" or "file"
    # Units left of a "unique" item; None for kinds that never run out.
    stock_left: int | None
    photo: str | None = None
    rating_count: int = 0
    # Average rating to one decimal place; None before the first review.
    rating: Decimal | None = None


class CategoryPage(Record):
    category: CategoryRecord
    items: list[ItemRecord]


class PurchasePreview(Record):
    """What the confirmation screen shows: the item as it is now and the buyer's balance."""

    item: ItemRecord
    balance: Decimal


class PurchaseRequest(Record):
    """One buyer's order. `key` makes it idempotent: the same key buys once."""

    key: str
    user_id: int
    item_id: int
    quantity: int = 1
    promo_code: str | None = None


class Delivered(Record):
    """A purchase's goods, as delivered at purchase and shown again from history.

    `units` are the secrets of a "unique" purchase, or the one content of an "unlimited" one; a
    "file" purchase carries the document instead.
    """

    purchase_id: str
    item_id: int
    item_title: str
    kind: str
    quantity: int
    units: tuple[str, ...]
    total: Decimal
    discount: Decimal
    balance: Decimal
    created_at: datetime
    file_name: str | None = None
    file_data: bytes | None = None
    # True when the request's key had already bought (or the purchase is re-viewed): nothing charged.
    repeated: bool = False


class SoldOut(Record):
    item_id: int
    stock_left: int


class InsufficientFunds(Record):
    needed: Decimal
    balance: Decimal


class ItemUnavailable(Record):
    item_id: int


type PurchaseResult = Delivered | SoldOut | InsufficientFunds | ItemUnavailable


class LedgerMismatch(Record):
    user_id: int
    balance: Decimal
    ledger_sum: Decimal
