"""What a payment costs in the provider's currency, in that currency's smallest units."""

import math
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision

from telegram.config import PaymentSettings

STARS = "XTR"


def quote(method: str, amount: Decimal, currency: str, settings: PaymentSettings) -> tuple[str, int]:
    """(currency, amount in its smallest units) for `amount` of the shop's `currency`: Stars are
    whole and rounded up (a buyer never pays less than the price); card and CryptoPay payments are
    in the shop's currency, in cents or whatever its smallest unit is (ISO 4217, through Babel)."""
    if method == "stars":
        return STARS, math.ceil(amount * settings.stars_per_unit)
    return currency, minor_units(amount, currency)


def minor_units(amount: Decimal, currency: str) -> int:
    precision = get_currency_precision(currency)
    return int((amount * 10**precision).to_integral_value(ROUND_HALF_UP))
