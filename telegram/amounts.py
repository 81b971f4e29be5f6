"""Amounts of money as people type them, read one way wherever they are typed: in the chat (a top-up,
a price, a promo code's value, a balance adjustment) and at the shell (the operator's commands).

An amount is digits with at most two decimals, a point or a comma between ("12.50", "12,5"), at most
AMOUNT_CHARS characters once spaces are taken out ("1 000"). No exponent ("1e9"), no "NaN" or
"Infinity", no more decimals than cents ("12.345"): what is typed is the amount, never a rounding
of it. The caller checks the range its use allows (above zero, a top-up's bounds, up to 100 percent).
"""

from decimal import Decimal, InvalidOperation

from storage import CENT

# The longest amount anyone types ("9999999999999.99", or 16 digits): the money columns hold 16 digits
# before the point, so a typed amount fits them.
AMOUNT_CHARS = 16
GROUPING = str.maketrans("", "", " \u00a0\u202f")


def parse_amount(text: str) -> Decimal | None:
    """The amount `text` stands for, with two decimals (0 included), or None when it is not one."""
    # Spaces group digits, the no-break ones included: Russian amounts are shown as "1 234,50".
    cleaned = text.strip().replace(",", ".").translate(GROUPING)
    if not cleaned or len(cleaned) > AMOUNT_CHARS or not cleaned.replace(".", "", 1).isdigit():
        return None
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    if amount != amount.quantize(CENT):
        return None
    return amount.quantize(CENT)


def parse_change(text: str) -> Decimal | None:
    """A change of an amount: `parse_amount` after an optional "+" or "-" ("+10", "-2.50"); None
    when it is not one."""
    cleaned = text.strip()
    sign = cleaned[:1]
    amount = parse_amount(cleaned[1:] if sign in ("+", "-") else cleaned)
    if amount is None:
        return None
    return -amount if sign == "-" else amount
