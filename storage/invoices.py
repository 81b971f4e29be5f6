"""CryptoPay invoices a buyer already holds: shown again rather than made again, and capped.

Every CryptoPay order has an invoice at CryptoPay (`external_id`, `pay_url`). A buyer who asks again
for the same top-up (or the same direct purchase) is given the invoice they hold, while it stays
payable long enough to be paid; one who holds the most unpaid invoices allowed is given no new one
until one is paid or expires. The shop asks before opening an order: two presses handled at the same
moment by two processes may each open one (one invoice past the cap at worst).
"""

from datetime import UTC, datetime
from decimal import Decimal

from storage.models import CENT, Payment, PaymentMethod, PaymentStatus
from storage.orders import payment_record
from storage.records import InvoiceLimit, PaymentRecord


async def crypto_invoice_for(
    user_id: int,
    amount: Decimal,
    *,
    currency: str,
    provider_amount: int,
    item_id: int | None,
    quantity: int,
    promo_code: str | None,
    payable_until: datetime,
    limit: int,
) -> PaymentRecord | InvoiceLimit | None:
    """The buyer's pending CryptoPay order for exactly this (amount, charge, item, quantity and promo
    code) whose invoice is out and payable until `payable_until` at least: the newest such, to show
    again. Else InvoiceLimit when they hold `limit` unexpired unpaid CryptoPay invoices already.
    Else None: a new order and invoice may be opened."""
    now = datetime.now(UTC)
    unpaid = Payment.filter(
        user_id=user_id,
        method=PaymentMethod.CRYPTOPAY,
        status=PaymentStatus.PENDING,
        expires_at__gt=now,
        external_id__isnull=False,
    )
    same = (
        await unpaid.filter(
            amount=amount.quantize(CENT),
            currency=currency,
            provider_amount=provider_amount,
            item_id=item_id,
            quantity=quantity,
            promo_code=promo_code,
            pay_url__isnull=False,
            expires_at__gte=payable_until,
        )
        .order_by("-expires_at")
        .first()
    )
    if same is not None:
        return payment_record(same)
    held = await unpaid.count()
    return InvoiceLimit(held=held, limit=limit) if held >= limit else None
