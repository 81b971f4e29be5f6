"""Orders of payments through providers: opening one, its invoice, the pre-checkout check, looking
orders up, and their expiry. Settling a paid order is storage.settlement; giving it back,
storage.refunds.

An order (a `Payment` row) is opened before the invoice goes out; its id is the invoice payload. It
stays pending until a provider reports it paid (storage.settlement) or its time is up (`expire_orders`;
a late payment is still money received).

An order paid from a confirmation screen can be paid two ways: its Confirm buys it from the balance,
its Stars invoice buys it with the payment. Both buy with the screen's purchase key (`purchase_key`),
so the purchases' unique key makes them one purchase: the pre-checkout refuses Stars for an order
bought already, and a payment that got past it anyway (both routes at once) buys nothing and stays
on the balance (see storage.settlement).
"""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from storage.catalog import ID_MAX, SHOWN, in_shown_category
from storage.errors import UnknownUser
from storage.models import CENT, Item, ItemKind, Payment, PaymentMethod, PaymentStatus, Purchase, User
from storage.promos import DiscountGate
from storage.purchases import redelivery
from storage.records import (
    Delivered,
    ItemUnavailable,
    PaymentRecord,
    PreCheckoutReason,
    PriceChanged,
    PromoRefusal,
    PromoRejected,
    SoldOut,
)


def payment_record(payment: Payment) -> PaymentRecord:
    return PaymentRecord(
        id=str(payment.id),
        user_id=payment.user_id,
        method=PaymentMethod(payment.method),
        status=PaymentStatus(payment.status),
        amount=Decimal(payment.amount).quantize(CENT),
        currency=payment.currency,
        provider_amount=payment.provider_amount,
        created_at=payment.created_at,
        expires_at=payment.expires_at,
        item_id=payment.item_id,
        quantity=payment.quantity,
        promo_code=payment.promo_code,
        external_id=payment.external_id,
        pay_url=payment.pay_url,
        purchase_id=str(payment.purchase_id) if payment.purchase_id else None,
        paid_at=payment.paid_at,
        refunded_at=payment.refunded_at,
        screen_id=payment.screen_id,
    )


def order_key(text: str) -> uuid.UUID | None:
    """The order id `text` names (an invoice payload), or None when it names none."""
    try:
        return uuid.UUID(text)
    except (ValueError, TypeError, AttributeError):
        return None


async def open_order(
    user_id: int,
    method: str,
    amount: Decimal,
    *,
    currency: str,
    provider_amount: int,
    ttl: timedelta,
    item_id: int | None = None,
    quantity: int = 1,
    promo_code: str | None = None,
    purchase_key: str | None = None,
    screen_id: int | None = None,
) -> PaymentRecord | Delivered | ItemUnavailable | SoldOut | PriceChanged | PromoRejected:
    """Open a pending order for `amount` (the shop's currency), charged as `provider_amount` of
    `currency`. With `item_id` it is a direct purchase of `quantity` units with `promo_code`, and
    `amount` must be what that costs now (else PriceChanged), with the stock there (else SoldOut).

    `purchase_key` is the key of the confirmation screen the order is paid from (message `screen_id`
    in the buyer's chat): the payment buys with it. When that key has bought already, no order is
    opened: the purchase is returned (Delivered, `repeated`), for the screen to show it paid."""
    amount = amount.quantize(CENT)
    async with in_transaction() as conn:
        if purchase_key is not None:
            bought = await Purchase.filter(request_key=purchase_key, user_id=user_id).using_db(conn).first()
            if bought is not None:
                return await redelivery(conn, bought)
        if item_id is not None:
            refusal = await _item_refusal(conn, user_id, item_id, quantity, promo_code, amount)
            if refusal is not None:
                return refusal
        if not await User.filter(id=user_id).using_db(conn).exists():
            raise UnknownUser(user_id)
        payment = await Payment.create(
            id=uuid.uuid4(),
            user_id=user_id,
            method=PaymentMethod(method),
            amount=amount,
            currency=currency,
            provider_amount=provider_amount,
            item_id=item_id,
            quantity=quantity,
            promo_code=promo_code,
            expires_at=datetime.now(UTC) + ttl,
            purchase_key=purchase_key,
            screen_id=screen_id,
            using_db=conn,
        )
        return payment_record(payment)


async def _item_refusal(
    conn: BaseDBAsyncClient, user_id: int, item_id: int, quantity: int, promo_code: str | None, amount: Decimal
) -> ItemUnavailable | SoldOut | PriceChanged | PromoRejected | None:
    """Why this direct purchase cannot be paid for now, or None."""
    shown = Item.filter(in_shown_category(), id=item_id, hidden=False).using_db(conn).only(*SHOWN)
    item = await shown.first() if 0 < item_id <= ID_MAX else None
    if item is None or not 0 < quantity <= ID_MAX or (item.kind != ItemKind.UNIQUE and quantity != 1):
        return ItemUnavailable(item_id=item_id)
    if item.kind == ItemKind.UNIQUE and item.stock_left < quantity:
        return SoldOut(item_id=item_id, stock_left=item.stock_left)
    subtotal = item.price * quantity
    discount = Decimal(0)
    if promo_code:
        gate = await DiscountGate.open(conn, [(promo_code, user_id)], lock=False)
        promo = await gate.check(promo_code, user_id, item, subtotal, datetime.now(UTC))
        if isinstance(promo, PromoRefusal):
            return PromoRejected(item_id=item_id, code=promo.code, reason=promo.reason)
        discount = promo.discount
    if subtotal - discount != amount:
        return PriceChanged(item_id=item_id, price=item.price, total=subtotal - discount)
    return None


async def attach_invoice(order_id: str, external_id: str, pay_url: str) -> None:
    """Remember the provider's invoice of a pending order (CryptoPay: its id and payment link)."""
    await Payment.filter(id=order_id).update(external_id=external_id, pay_url=pay_url)


async def get_payment(order_id: str, *, user_id: int | None = None) -> PaymentRecord | None:
    """The order with this id (only if it is `user_id`'s, when given)."""
    key = order_key(order_id)
    if key is None:
        return None
    query = Payment.filter(id=key) if user_id is None else Payment.filter(id=key, user_id=user_id)
    payment = await query.first()
    return None if payment is None else payment_record(payment)


async def find_payment(reference: str) -> PaymentRecord | None:
    """A payment by its order id or by the provider's id of it (a Stars charge id, an invoice id)."""
    key = order_key(reference)
    query = Payment.filter(id=key) if key is not None else Payment.filter(external_id=reference[:128])
    payment = await query.order_by("created_at").first()
    return None if payment is None else payment_record(payment)


async def recent_payments(user_id: int, limit: int = 5) -> list[PaymentRecord]:
    """The user's latest orders, newest first (what a payment dispute shows the staff)."""
    payments = await Payment.filter(user_id=user_id).order_by("-created_at").limit(limit)
    return [payment_record(payment) for payment in payments]


async def pre_checkout(order_id: str, user_id: int, currency: str, total_amount: int) -> PreCheckoutReason | None:
    """Whether Telegram may take this payment (None) or why not: the order must be this user's,
    not bought already by its screen's Confirm, pending and unexpired, for exactly this amount; the
    user not blocked; a direct purchase's item still on sale in that quantity at that price."""
    key = order_key(order_id)
    if key is None:
        return "unknown"
    async with in_transaction() as conn:
        payment = await Payment.get_or_none(id=key, user_id=user_id, using_db=conn)
        if payment is None:
            return "unknown"
        if payment.purchase_key is not None and await Purchase.filter(request_key=payment.purchase_key).using_db(conn).exists():
            return "already_paid"
        if payment.status == PaymentStatus.EXPIRED or (
            payment.status == PaymentStatus.PENDING and payment.expires_at <= datetime.now(UTC)
        ):
            return "expired"
        if payment.status != PaymentStatus.PENDING:
            return "not_pending"
        if payment.currency != currency or payment.provider_amount != total_amount:
            return "amount"
        if await User.filter(id=user_id, blocked=True).using_db(conn).exists():
            return "blocked"
        if payment.item_id is not None:
            refusal = await _item_refusal(conn, user_id, payment.item_id, payment.quantity, payment.promo_code, payment.amount)
            if isinstance(refusal, SoldOut):
                return "sold_out"
            if isinstance(refusal, PriceChanged | PromoRejected):
                return "price_changed"
            if refusal is not None:
                return "item_gone"
    return None


async def expire_orders(now: datetime | None = None) -> list[PaymentRecord]:
    """Mark the pending orders whose time is up as expired; returns them."""
    now = now or datetime.now(UTC)
    async with in_transaction() as conn:
        due = (
            await Payment.filter(status=PaymentStatus.PENDING, expires_at__lte=now)
            .using_db(conn)
            .order_by("expires_at")
            .limit(1000)
        )
        if not due:
            return []
        ids = [payment.id for payment in due]
        await Payment.filter(id__in=ids, status=PaymentStatus.PENDING).using_db(conn).update(status=PaymentStatus.EXPIRED)
        expired = await Payment.filter(id__in=ids, status=PaymentStatus.EXPIRED).using_db(conn)
        return [payment_record(payment) for payment in expired]


async def open_invoices(method: str, *, since: datetime) -> list[PaymentRecord]:
    """Orders of `method` with an invoice that may still be paid: pending ones, and those expired
    since `since` (a provider may report a payment late)."""
    payments = await Payment.filter(
        Q(status=PaymentStatus.PENDING) | Q(status=PaymentStatus.EXPIRED, expires_at__gte=since),
        method=PaymentMethod(method),
        external_id__isnull=False,
    ).order_by("created_at")
    return [payment_record(payment) for payment in payments]
