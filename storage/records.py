"""Plain records returned by store functions: nothing above storage touches an ORM object."""

from decimal import Decimal

import msgspec


class Record(msgspec.Struct, frozen=True, kw_only=True):
    pass


class UserRecord(Record):
    id: int
    username: str | None
    first_name: str
    language_code: str | None
    role: str
    balance: Decimal


class CategoryRecord(Record):
    id: int
    name: str
    item_count: int


class ItemRecord(Record):
    id: int
    category_id: int
    title: str
    description: str
    price: Decimal
    stock_left: int


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


class Delivered(Record):
    purchase_id: str
    item_title: str
    units: tuple[str, ...]
    total: Decimal
    balance: Decimal
    # True when the request's key had already bought: the goods are shown again, nothing charged.
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
