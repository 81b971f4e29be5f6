"""Payments through a provider: the order, a provider's word that it was paid, how it settled or why it
credits nothing, the invoice limit, pre-checkout refusals, and refunds."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from storage.kinds import PaymentMethod, PaymentStatus
from storage.records.base import Record
from storage.records.purchases import PurchaseResult
from storage.records.users import UserRecord


class PaymentRecord(Record, frozen=True):
    """An order paid through a provider (see storage.models.Payment): `id` is the invoice payload."""

    id: str
    user_id: int
    method: PaymentMethod
    status: PaymentStatus
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


class PaymentEvent(Record, frozen=True):
    """A provider says an order was paid: Telegram's successful_payment, or a paid CryptoPay invoice.
    `external_id` is the provider's id of the payment; amounts are in `currency`'s smallest units."""

    method: PaymentMethod
    order_id: str
    external_id: str
    currency: str
    provider_amount: int
    provider_charge_id: str | None = None


class AlreadyBought(Record, frozen=True):
    """A direct purchase's payment that settled after its order had been bought by the other route
    (the confirmation screen's Confirm, from the balance): nothing was bought twice, and the payment
    stays on the balance."""

    item_id: int
    purchase_id: str


class Settled(Record, frozen=True):
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


class PaymentRejected(Record, frozen=True):
    """A payment event that credits nothing: an unknown order, or one whose method, currency or
    amount differs from the order's (recorded as a security event)."""

    order_id: str
    reason: PaymentProblem


class InvoiceLimit(Record, frozen=True):
    """No new invoice: the buyer holds `held` unpaid ones already, and `limit` is the most allowed."""

    held: int
    limit: int


type PreCheckoutReason = Literal[
    "unknown",
    "not_pending",
    "expired",
    "amount",
    "blocked",
    "sold_out",
    "item_gone",
    "price_changed",
    "already_paid",
]


class RefundStarted(Record, frozen=True):
    """The payment's credit is taken back (and `revoked` purchases credited back first); the provider
    is to be asked for the refund next (`finish_refund`)."""

    payment: PaymentRecord
    balance: Decimal
    revoked: list[str] = []


type RefundReason = Literal["unknown", "not_paid", "already_refunded", "not_refundable", "balance_spent"]


class RefundRefused(Record, frozen=True):
    """Why a payment cannot be refunded: unknown; not_paid (pending or expired); already_refunded;
    not_refundable (only Stars are refunded through the bot); balance_spent (the credit was spent:
    `needed` is the payment's amount, `balance` what is left; revoking purchases would cover it)."""

    reason: RefundReason
    payment: PaymentRecord | None = None
    needed: Decimal = Decimal(0)
    balance: Decimal = Decimal(0)
