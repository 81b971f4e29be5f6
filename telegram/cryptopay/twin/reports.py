"""The app's own figures: getBalance and getStats, read from the twin's invoices, and the twin's fixed
market (getExchangeRates, getCurrencies).

- getBalance lists every asset; `available` is what the paid invoices brought in that asset after
  CryptoPay's fee, `onhold` is always "0" (the twin holds nothing back: it has no transfers or checks).
- getStats counts invoices created and paid within [start_at, end_at] (default: the last 24 hours);
  `volume` is the paid amounts in USD at the twin's rates and `conversion` paid / created, both JSON
  numbers as CryptoPay sends them. The twin knows no payers, so every payment counts as a user of its own.
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from . import market
from .invoices import Invoices, iso
from .market import amount_text
from .params import bad, iso_date


def get_balance(invoices: Invoices, params: dict[str, Any]) -> list[dict[str, str]]:
    earned = dict.fromkeys(market.CRYPTO, Decimal(0))
    for record in invoices.records():
        if record.payment is not None:
            asset, paid, _ = record.payment
            earned[asset] += paid - record.fee
    return [{"currency_code": code, "available": amount_text(total), "onhold": "0"} for code, total in earned.items()]


def get_exchange_rates(invoices: Invoices, params: dict[str, Any]) -> list[dict[str, object]]:
    return market.exchange_rates()


def get_currencies(invoices: Invoices, params: dict[str, Any]) -> list[dict[str, object]]:
    return market.currencies()


def get_stats(invoices: Invoices, params: dict[str, Any]) -> dict[str, Any]:
    now = invoices.clock()
    end = iso_date(params.get("end_at", iso(now)), "END_AT_INVALID").timestamp()
    start = iso_date(params.get("start_at", iso(end - timedelta(days=1).total_seconds())), "START_AT_INVALID").timestamp()
    if start > end:
        raise bad("START_AT_INVALID")
    created = paid = 0
    volume = Decimal(0)
    for record in invoices.records():
        created += start <= record.created <= end
        if record.payment is not None and start <= record.payment[2] <= end:
            asset, amount, _ = record.payment
            paid += 1
            volume += amount * market.usd_price(asset)
    return {
        "volume": float(volume.quantize(Decimal("0.01"))),
        "conversion": round(paid / created, 4) if created else 0,
        "unique_users_count": paid,
        "created_invoice_count": created,
        "paid_invoice_count": paid,
        "start_at": iso(start),
        "end_at": iso(end),
    }
