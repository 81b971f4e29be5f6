"""Payments: pricing in each provider's units and the desk where orders, providers and the ledger meet."""

from telegram.payments.desk import CheckTooSoon, Opened, PaymentDesk, ProviderFailed, RefundDeferred, RefundFailed
from telegram.payments.pricing import quote

__all__ = ["CheckTooSoon", "Opened", "PaymentDesk", "ProviderFailed", "RefundDeferred", "RefundFailed", "quote"]
