"""Plain records returned by store functions: nothing above storage touches an ORM object."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

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
    blocked: bool
    # An admin's permissions (storage.models.Permission values); the owner needs none.
    permissions: tuple[str, ...] = ()


class CategoryRecord(Record):
    id: int
    name: str
    # Visible items directly in this category (not in its subcategories).
    item_count: int
    parent_id: int | None = None
    # Visible items in its subcategories (one level: a subcategory has none).
    nested_count: int = 0


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
    """One page of a category's screen: its visible subcategories, then its visible items, as one list.

    `parent_name` names the category above a subcategory (`category.parent_id`). `back_page` is the
    page of the list above (the parent's screen, or the shop's categories) that shows this category.
    """

    category: CategoryRecord
    parent_name: str | None
    entries: Page[CategoryRecord | ItemRecord]
    subcategory_count: int
    back_page: int = 1


class ItemCard(Record):
    """A visible item and the page of its category's screen that lists it (where Back goes)."""

    item: ItemRecord
    category_page: int


class NewItem(Record):
    """An item to create (operator commands, bulk imports). By kind: "unique" items take stock units
    later; "unlimited" ones deliver `content` to every buyer; "file" ones deliver the document
    `file_name`/`file_data`. `photo` is a Telegram file_id or an https URL."""

    title: str
    price: Decimal
    description: str = ""
    kind: str = "unique"
    content: str = ""
    file_name: str | None = None
    file_data: bytes | None = None
    photo: str | None = None
    hidden: bool = False


class PromoDiscount(Record):
    """A discount code that applies to this order: `discount` is what it takes off the order total."""

    code: str
    kind: str  # "percent" or "fixed"
    value: Decimal
    discount: Decimal


type PromoReason = Literal[
    "unknown", "inactive", "expired", "used_up", "already_used", "not_for_item", "not_discount", "not_credit"
]


class PromoRefusal(Record):
    """Why a promo code does not apply: unknown, inactive (disabled), expired, used_up (max uses
    reached), already_used (by this user, once-per-user codes), not_for_item (scoped elsewhere),
    not_discount (a credit code offered at checkout), not_credit (a discount code offered for credit)."""

    code: str
    reason: PromoReason


class PromoCredited(Record):
    """A credit code redeemed: `amount` added to the balance, which is now `balance`."""

    code: str
    amount: Decimal
    balance: Decimal


class PromoRecord(Record):
    """A promo code as the operator sees it. A scope names one item or one category (and its subcategories)."""

    id: int
    code: str
    kind: str  # "percent", "fixed" or "credit"
    value: Decimal
    max_uses: int | None  # None: unlimited
    uses: int
    once_per_user: bool
    expires_at: datetime | None
    active: bool
    item_title: str | None = None
    category_name: str | None = None


class PurchasePreview(Record):
    """What the confirmation screen shows: the item as it is now, the order's total and the balance.

    `promo` is the applied code's discount, or why the code offered does not apply (then `total` is
    the full price); None when no code was offered.
    """

    item: ItemRecord
    balance: Decimal
    quantity: int
    total: Decimal
    promo: PromoDiscount | PromoRefusal | None = None


class PurchaseRequest(Record):
    """One buyer's order. `key` makes it idempotent: the same key buys once."""

    key: str
    user_id: int
    item_id: int
    quantity: int = 1
    promo_code: str | None = None
    # The total the buyer saw and agreed to: a purchase that would cost anything else is refused
    # (PriceChanged) instead of charged. None: whatever the current price makes it.
    expected_total: Decimal | None = None


class Delivered(Record):
    """A purchase's goods, as delivered at purchase and shown again from history.

    `units` are the secrets of a "unique" purchase, or the one content of an "unlimited" one; a
    "file" purchase names the item's document instead (`file_name`, None when the item has none) and
    the file_id Telegram gave its upload, if one is kept. Never the file's bytes: those are read only
    to upload them (storage.item_files).
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
    file_id: str | None = None
    # True when the request's key had already bought (or the purchase is re-viewed): nothing charged.
    repeated: bool = False


class ItemFile(Record):
    """A file item's document as an upload needs it: its name and its bytes, unsealed."""

    item_id: int
    file_name: str
    data: bytes


class SoldOut(Record):
    item_id: int
    stock_left: int


class InsufficientFunds(Record):
    needed: Decimal
    balance: Decimal


class ItemUnavailable(Record):
    item_id: int


class PriceChanged(Record):
    """The order would now cost `total` (the unit price is `price`), not what the buyer agreed to."""

    item_id: int
    price: Decimal
    total: Decimal


class PromoRejected(Record):
    """The order's promo code no longer applies (see PromoRefusal for the reasons); nothing was charged."""

    item_id: int
    code: str
    reason: PromoReason


type PurchaseResult = Delivered | SoldOut | InsufficientFunds | ItemUnavailable | PriceChanged | PromoRejected


class LedgerMismatch(Record):
    user_id: int
    balance: Decimal
    ledger_sum: Decimal


class Profile(Record):
    """The numbers of the buyer's profile and referral screens, read together in one use case."""

    user: UserRecord
    # What the buyer's purchases cost them, and how many purchases they made.
    spent: Decimal
    purchases: int
    # Users who registered through this user's link, and what their top-ups earned this user.
    referrals: int
    referral_earned: Decimal


class PurchaseRow(Record):
    """One line of a buyer's purchase history. `id` is the purchase's UUID as 32 hex digits."""

    id: str
    item_id: int
    item_title: str
    quantity: int
    total: Decimal
    created_at: datetime


class LedgerRow(Record):
    """One balance change: `amount` is signed (credits > 0), `kind` a LedgerKind value."""

    id: int
    amount: Decimal
    kind: str
    reason: str
    created_at: datetime


class ReferralTerms(Record):
    """What a referrer earns from each credited top-up of a user they invited (the [shop] referral keys).

    `percent` of the top-up, rounded down to the cent; a cap of 0 means no cap.
    """

    percent: Decimal
    cap_per_referral: Decimal = Decimal(0)
    cap_total: Decimal = Decimal(0)


class AuditRecord(Record):
    """One row of the audit log; `count` is how many of its source's security events within a
    minute it stands for (its repeats, and past a few different ones, the rest: see storage.audit);
    an admin action is always 1."""

    id: int
    actor_id: int | None
    action: str
    target: str
    detail: str
    security: bool
    created_at: datetime
    count: int = 1


class ReviewRecord(Record):
    """One buyer's review of an item; `first_name` is the reviewer's, as Telegram last told us."""

    id: int
    item_id: int
    user_id: int
    first_name: str
    rating: int  # 1..5
    text: str  # as typed; may be empty
    updated_at: datetime


class ReviewTarget(Record):
    """An item a buyer may review, with their review of it so far."""

    item: ItemRecord
    current: ReviewRecord | None


class ReviewSaved(Record):
    """The review as stored and the item with its new rating; `edited` when it replaced an earlier one."""

    item: ItemRecord
    review: ReviewRecord
    edited: bool


class NotABuyer(Record):
    """Only a buyer of the item may review it."""

    item_id: int


class ItemReviews(Record):
    item: ItemRecord
    page: Page[ReviewRecord]


class PaymentRecord(Record):
    """An order paid through a provider (see storage.models.Payment): `id` is the invoice payload."""

    id: str
    user_id: int
    method: str  # "stars", "fiat" or "cryptopay"
    status: str  # "pending", "paid", "expired", "refunding" or "refunded"
    amount: Decimal  # in the shop's currency
    currency: str  # what the provider charges: "XTR" or a currency code
    provider_amount: int  # in that currency's smallest units
    created_at: datetime
    expires_at: datetime
    item_id: int | None = None  # a direct purchase of this item
    quantity: int = 1
    promo_code: str | None = None
    external_id: str | None = None
    pay_url: str | None = None
    purchase_id: str | None = None
    paid_at: datetime | None = None
    refunded_at: datetime | None = None
    screen_id: int | None = None  # the order's confirmation screen (a message in the buyer's chat)


class PaymentEvent(Record):
    """A provider says an order was paid: Telegram's successful_payment, or a paid CryptoPay invoice.
    `external_id` is the provider's id of the payment; amounts are in `currency`'s smallest units."""

    method: str
    order_id: str
    external_id: str
    currency: str
    provider_amount: int
    provider_charge_id: str | None = None


class AlreadyBought(Record):
    """A direct purchase's payment that settled after its order had been bought by the other route
    (the confirmation screen's Confirm, from the balance): nothing was bought twice, and the payment
    stays on the balance."""

    item_id: int
    purchase_id: str


class Settled(Record):
    """A payment credited: `balance` after it; for a direct purchase, the purchase's outcome (if the
    item could not be bought, or AlreadyBought, the payment stays on the balance). `late`: the order
    had expired. `repeated`: the payment had been credited before, nothing changed."""

    payment: PaymentRecord
    user: UserRecord
    balance: Decimal
    purchase: PurchaseResult | AlreadyBought | None = None
    late: bool = False
    repeated: bool = False


type PaymentProblem = Literal["unknown", "mismatch"]


class PaymentRejected(Record):
    """A payment event that credits nothing: an unknown order, or one whose method, currency or
    amount differs from the order's (recorded as a security event)."""

    order_id: str
    reason: PaymentProblem


class InvoiceLimit(Record):
    """No new invoice: the buyer holds `held` unpaid ones already, and `limit` is the most allowed."""

    held: int
    limit: int


type PreCheckoutReason = Literal[
    "unknown", "not_pending", "expired", "amount", "blocked", "sold_out", "item_gone", "price_changed", "already_paid",
]


class RefundStarted(Record):
    """The payment's credit is taken back (and `revoked` purchases credited back first); the provider
    is to be asked for the refund next (`finish_refund`)."""

    payment: PaymentRecord
    balance: Decimal
    revoked: list[str] = []


type RefundReason = Literal["unknown", "not_paid", "already_refunded", "not_refundable", "balance_spent"]


class RefundRefused(Record):
    """Why a payment cannot be refunded: unknown; not_paid (pending or expired); already_refunded;
    not_refundable (only Stars are refunded through the bot); balance_spent (the credit was spent:
    `needed` is the payment's amount, `balance` what is left; revoking purchases would cover it)."""

    reason: RefundReason
    payment: PaymentRecord | None = None
    needed: Decimal = Decimal(0)
    balance: Decimal = Decimal(0)


class ShopSwitches(Record):
    """Shop-wide switches the staff set at run time."""

    maintenance: bool = False


class BroadcastRecord(Record):
    """A broadcast job (see storage.models.Broadcast); `status` is running, paused, cancelled or done."""

    id: int
    created_by: int
    text: str
    button_text: str | None
    button_url: str | None
    audience: str
    paid: bool
    status: str
    cursor: int
    total: int
    delivered: int
    blocked: int
    failed: int
    progress_chat_id: int | None
    progress_message_id: int | None
    created_at: datetime
    finished_at: datetime | None


class AdminCategory(Record):
    """A category as the staff sees it: hidden ones too; `items` counts its items that are not deleted."""

    id: int
    name: str
    hidden: bool
    parent_id: int | None
    items: int


class AdminItem(Record):
    """An item as the staff sees it (never its content or file)."""

    id: int
    category_id: int
    title: str
    description: str
    price: Decimal
    kind: str
    stock_left: int
    hidden: bool
    photo: str | None


class CategoryTree(Record):
    """A category (None: the top level), its subcategories and its items, for the staff's catalog screen."""

    category: AdminCategory | None
    children: list[AdminCategory]
    items: list[AdminItem]


class DaySales(Record):
    """One UTC date's sales: the sum and count of its purchases that were not revoked."""

    day: date
    revenue: Decimal
    purchases: int


class TopItem(Record):
    """An item among the best sellers: units sold and what they brought (revoked purchases left out)."""

    item_id: int
    title: str
    units: int
    revenue: Decimal


class LowStockItem(Record):
    item_id: int
    title: str
    stock_left: int


class ShopStatistics(Record):
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


# A cell of an exported row: numbers stay numbers (money a Decimal at two places), datetimes are UTC.
ExportCell = str | int | Decimal | bool | datetime | None
# Where an export page ends: the last row's id (users, ledger) or its (created_at, id) (purchases,
# payments, whose ids are random).
ExportCursor = int | tuple[datetime, str]


class ExportPage(Record):
    """A page of a table read out for export: `next` is the cursor to pass for the page after, None
    after the last one."""

    header: tuple[str, ...]
    rows: list[tuple[ExportCell, ...]]
    next: ExportCursor | None


class StockImport(Record):
    """What an import of stock lines did: `duplicates` are lines equal to a unit the item already had
    (sold or not) or to an earlier line; `empty` are blank lines; `stock_left` is the count after."""

    added: int
    duplicates: int
    empty: int
    stock_left: int


class StockUnitRecord(Record):
    id: int
    content: str
    created_at: datetime


class CatalogRow(Record):
    """One row of a catalog import (see storage/catalog_import.py for what the columns mean); `line` is
    where it starts in the file, for errors. Empty text means the column was left empty."""

    line: int
    title: str
    category: str = ""
    subcategory: str = ""
    price: Decimal | None = None
    kind: str = ""
    description: str = ""
    content: str = ""
    unit: str = ""


class CatalogImport(Record):
    categories_created: int
    items_created: int
    units_added: int
    duplicates: int
