"""Payments: what an invoice asks for and what a payment or a refund reports."""

from .base import TelegramType


class LabeledPrice(TelegramType):
    """One line of an invoice's price breakdown, in the currency's smallest units (Stars: whole Stars)."""

    label: str
    amount: int


class Invoice(TelegramType):
    """The invoice a message carries (`sendInvoice`); `start_parameter` is "" when none was given."""

    title: str
    description: str
    start_parameter: str
    currency: str
    total_amount: int


class SuccessfulPayment(TelegramType):
    """A completed payment (Stars: currency "XTR"); keep `telegram_payment_charge_id` for refunds."""

    currency: str
    total_amount: int
    invoice_payload: str
    telegram_payment_charge_id: str
    provider_payment_charge_id: str
    subscription_expiration_date: int | None = None
    is_recurring: bool | None = None
    is_first_recurring: bool | None = None


class RefundedPayment(TelegramType):
    """A refunded payment, delivered as a service message after `refundStarPayment`."""

    currency: str
    total_amount: int
    invoice_payload: str
    telegram_payment_charge_id: str
    provider_payment_charge_id: str | None = None
