"""Payments: what an invoice asks for, what a payment or a refund reports, and the bot's Stars transactions."""

from .base import TelegramType
from .chat import User


class LabeledPrice(TelegramType, frozen=True):
    """One line of an invoice's price breakdown, in the currency's smallest units (Stars: whole Stars)."""

    label: str
    amount: int


class Invoice(TelegramType, frozen=True):
    """The invoice a message carries (`sendInvoice`); `start_parameter` is "" when none was given."""

    title: str
    description: str
    start_parameter: str
    currency: str
    total_amount: int


class SuccessfulPayment(TelegramType, frozen=True):
    """A completed payment (Stars: currency "XTR"); keep `telegram_payment_charge_id` for refunds."""

    currency: str
    total_amount: int
    invoice_payload: str
    telegram_payment_charge_id: str
    provider_payment_charge_id: str
    subscription_expiration_date: int | None = None
    is_recurring: bool | None = None
    is_first_recurring: bool | None = None


class RefundedPayment(TelegramType, frozen=True):
    """A refunded payment, delivered as a service message after `refundStarPayment`."""

    currency: str
    total_amount: int
    invoice_payload: str
    telegram_payment_charge_id: str
    provider_payment_charge_id: str | None = None


class TransactionPartner(TelegramType, frozen=True):
    """The other side of a Stars transaction: the spec's TransactionPartner kinds in one type.

    `type` is "user", "chat", "affiliate_program", "fragment", "telegram_ads", "telegram_api" or
    "other". For a user: `transaction_type` ("invoice_payment" for an invoice paid or refunded), the
    `user` and, for an invoice payment, its `invoice_payload`.
    """

    type: str
    transaction_type: str | None = None
    user: User | None = None
    invoice_payload: str | None = None


class StarTransaction(TelegramType, frozen=True):
    """One Stars transaction of the bot. An incoming invoice payment has the payment's
    telegram_payment_charge_id as `id` and the payer as `source`; its refund is a transaction of its
    own with the same `id` and the payer as `receiver`."""

    id: str
    amount: int
    date: int
    nanostar_amount: int | None = None
    source: TransactionPartner | None = None
    receiver: TransactionPartner | None = None


class StarTransactions(TelegramType, frozen=True):
    """A page of the bot's Stars transactions (`getStarTransactions`), oldest first."""

    transactions: list[StarTransaction]
