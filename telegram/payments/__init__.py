"""Payments: pricing in each provider's units and the desk where orders, providers and the ledger meet."""

from telegram.payments.desk import CheckTooSoon, Opened, PaymentDesk, ProviderFailed
from telegram.payments.pricing import quote
from telegram.payments.receipts import Receipts
from telegram.payments.refunds import RefundDeferred, RefundFailed
from telegram.payments.stars import reconcile_stars

__all__ = [
    "CheckTooSoon",
    "Opened",
    "PaymentDesk",
    "ProviderFailed",
    "Receipts",
    "RefundDeferred",
    "RefundFailed",
    "quote",
    "reconcile_stars",
]
