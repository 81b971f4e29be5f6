"""The payment desk's counter, shared by its modules (orders, settlement, refunds)."""

from prometheus_client import Counter

PAYMENTS = Counter("shopkeeper_payments_total", "Payment events, by method and outcome", ["method", "outcome"])
