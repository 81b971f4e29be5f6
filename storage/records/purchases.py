"""Purchases: the order as previewed and as requested, its outcomes (the goods, or why not), a file
item's document, and a line of a buyer's history."""

from datetime import datetime
from decimal import Decimal

from storage.kinds import ItemKind
from storage.records.base import Record
from storage.records.catalog import ItemRecord
from storage.records.promos import PromoDiscount, PromoReason, PromoRefusal


class PurchasePreview(Record, frozen=True):
    """What the confirmation screen shows: the item as it is now, the order's total and the balance.

    `promo` is the applied code's discount, or why the code offered does not apply (then `total` is
    the full price); None when no code was offered.
    """

    item: ItemRecord
    balance: Decimal
    quantity: int
    total: Decimal
    promo: PromoDiscount | PromoRefusal | None = None


class PurchaseRequest(Record, frozen=True):
    """One buyer's order. `key` makes it idempotent: the same key buys once."""

    key: str
    user_id: int
    item_id: int
    quantity: int = 1
    promo_code: str | None = None
    # The total the buyer saw and agreed to: a purchase that would cost anything else is refused
    # (PriceChanged) instead of charged. None: whatever the current price makes it.
    expected_total: Decimal | None = None


class Delivered(Record, frozen=True):
    """A purchase's goods, as delivered at purchase and shown again from history.

    `units` are the secrets of a "unique" purchase, or the one content of an "unlimited" one; a
    "file" purchase names the item's document instead (`file_name`, None when the item has none) and
    the file_id Telegram gave its upload, if one is kept. Never the file's bytes: those are read only
    to upload them (storage.item_files).
    """

    purchase_id: str
    item_id: int
    item_title: str
    kind: ItemKind
    quantity: int
    units: tuple[str, ...]
    total: Decimal
    discount: Decimal
    balance: Decimal
    created_at: datetime
    file_name: str | None = None
    file_id: str | None = None
    # True when the request's key had already bought (or the purchase is re-viewed): nothing charged.
    repeated: bool = False


class ItemFile(Record, frozen=True):
    """A file item's document as an upload needs it: its name and its bytes, unsealed."""

    item_id: int
    file_name: str
    data: bytes


class SoldOut(Record, frozen=True):
    item_id: int
    stock_left: int


class InsufficientFunds(Record, frozen=True):
    needed: Decimal
    balance: Decimal


class ItemUnavailable(Record, frozen=True):
    item_id: int


class PriceChanged(Record, frozen=True):
    """The order would now cost `total` (the unit price is `price`), not what the buyer agreed to."""

    item_id: int
    price: Decimal
    total: Decimal


class PromoRejected(Record, frozen=True):
    """The order's promo code no longer applies (see PromoRefusal for the reasons); nothing was charged."""

    item_id: int
    code: str
    reason: PromoReason


type PurchaseResult = Delivered | SoldOut | InsufficientFunds | ItemUnavailable | PriceChanged | PromoRejected


class PurchaseRow(Record, frozen=True):
    """One line of a buyer's purchase history. `id` is the purchase's UUID as 32 hex digits."""

    id: str
    item_id: int
    item_title: str
    quantity: int
    total: Decimal
    created_at: datetime
