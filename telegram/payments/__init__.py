"""Payments: pricing in each provider's units and the desk where orders, providers and the ledger meet."""

from telegram.payments.desk import Opened, PaymentDesk, ProviderFailed, RefundDeferred, RefundFailed
from telegram.payments.pricing import quote

__all__ = ["Opened", "PaymentDesk", "ProviderFailed", "RefundDeferred", "RefundFailed", "quote"]
