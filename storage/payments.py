"""Payments through providers: orders, pre-checkout checks, settlement exactly once, expiry, refunds.

An order (a `Payment` row) is opened before the invoice goes out; its id is the invoice payload. A
provider's report that it was paid (`PaymentEvent`) is settled in one transaction: the order moves
from pending (or expired: a late payment is still money received) to paid by a conditional UPDATE,
the balance is credited with its ledger entry and referral reward, and a direct purchase buys the
item with that credit. The conditional UPDATE and the unique (method, external_id) key make a
report seen twice, or by two processes at once (webhook and polling), credit once.

An order paid from a confirmation screen can be paid two ways: its Confirm buys it from the balance,
its Stars invoice buys it with the payment. Both buy with the screen's purchase key (`purchase_key`),
so the purchases' unique key makes them one purchase: the pre-checkout refuses Stars for an order
bought already, and a payment that got past it anyway (both routes at once) buys nothing and stays
on the balance (AlreadyBought).

Crediting a top-up records the referral reward it paid, so that a refund (storage.refunds) can take
it back. Telling the payer is a step of its own, recorded on the payment (storage.notices).
"""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from storage.catalog import ID_MAX, SHOWN, in_shown_category
from storage.errors import UnknownUser
from storage.ledger import apply_topup
from storage.models import CENT, Item, ItemKind, Payment, PaymentMethod, PaymentStatus, Purchase, User
from storage.promos import DiscountGate
from storage.purchases import _buy, redelivery
from storage.records import (
    AlreadyBought,
    Delivered,
    ItemUnavailable,
    PaymentEvent,
    PaymentRecord,
    PaymentRejected,
    PreCheckoutReason,
    PriceChanged,
    PromoDiscount,
    PromoRefusal,
    PromoRejected,
    PurchaseRequest,
    PurchaseResult,
    ReferralTerms,
    Settled,
    SoldOut,
)
from storage.users import user_record

SETTLED = (PaymentStatus.PAID, PaymentStatus.REFUNDING, PaymentStatus.REFUNDED)


def payment_record(payment: Payment) -> PaymentRecord:
    return PaymentRecord(
        id=str(payment.id), user_id=payment.user_id, method=str(payment.method), status=str(payment.status),  # type: ignore[attr-defined]
        amount=Decimal(payment.amount).quantize(CENT), currency=payment.currency, provider_amount=payment.provider_amount,
        created_at=payment.created_at, expires_at=payment.expires_at, item_id=payment.item_id,  # type: ignore[attr-defined]
        quantity=payment.quantity, promo_code=payment.promo_code, external_id=payment.external_id,
        pay_url=payment.pay_url, purchase_id=str(payment.purchase_id) if payment.purchase_id else None,  # type: ignore[attr-defined]
        paid_at=payment.paid_at, refunded_at=payment.refunded_at, screen_id=payment.screen_id,
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
            id=uuid.uuid4(), user_id=user_id, method=PaymentMethod(method), amount=amount, currency=currency,
            provider_amount=provider_amount, item_id=item_id, quantity=quantity, promo_code=promo_code,
            expires_at=datetime.now(UTC) + ttl, purchase_key=purchase_key, screen_id=screen_id, using_db=conn,
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
        discount = promo.discount if isinstance(promo, PromoDiscount) else Decimal(0)
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
        payment = await Payment.get_or_none(id=key, user_id=user_id).using_db(conn)
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
        if payment.item_id is not None:  # type: ignore[attr-defined]
            refusal = await _item_refusal(
                conn, user_id, payment.item_id, payment.quantity, payment.promo_code, payment.amount  # type: ignore[attr-defined]
            )
            if isinstance(refusal, SoldOut):
                return "sold_out"
            if isinstance(refusal, PriceChanged | PromoRejected):
                return "price_changed"
            if refusal is not None:
                return "item_gone"
    return None


async def settle_payment(event: PaymentEvent, referral: ReferralTerms | None = None) -> Settled | PaymentRejected:
    """Credit a paid order exactly once (see the module docstring); with `referral` terms its
    referrer earns their reward in the same transaction. A direct purchase then buys the item with
    the credit; if it cannot (sold out meanwhile), or its order was bought by the other route first
    (AlreadyBought: see the module docstring), the money stays on the balance.

    A second, different payment of an order already paid (a buyer who paid one invoice twice) is
    money received too: it is credited to the balance as a top-up of its own."""
    key = order_key(event.order_id)
    if key is None:
        return PaymentRejected(order_id=event.order_id[:64], reason="unknown")
    method = PaymentMethod(event.method)
    async with in_transaction() as conn:
        payment = await Payment.get_or_none(id=key).using_db(conn)
        if payment is None:
            return PaymentRejected(order_id=event.order_id[:64], reason="unknown")
        if payment.method != method or payment.currency != event.currency or payment.provider_amount != event.provider_amount:
            return PaymentRejected(order_id=event.order_id, reason="mismatch")
        if method == PaymentMethod.CRYPTOPAY and payment.external_id not in (None, event.external_id):
            return PaymentRejected(order_id=event.order_id, reason="mismatch")
        now = datetime.now(UTC)
        # The first statement is the write that claims the order (and SQLite's write lock).
        claimed = await Payment.filter(
            id=key, status__in=(PaymentStatus.PENDING, PaymentStatus.EXPIRED)
        ).using_db(conn).update(
            status=PaymentStatus.PAID, external_id=event.external_id, provider_charge_id=event.provider_charge_id, paid_at=now
        )
        if not claimed:
            # Reports that miss the claim take turns on the order's row (PostgreSQL; SQLite has one
            # writer): a second charge reported twice at once is then recorded by the first and
            # found as repeated by the next, instead of both inserting it.
            payment = await Payment.filter(id=key).using_db(conn).select_for_update(no_key=True).get()
            if payment.external_id == event.external_id or method == PaymentMethod.CRYPTOPAY:
                return await _repeated(conn, payment)
            existing = await Payment.get_or_none(method=method, external_id=event.external_id).using_db(conn)
            if existing is not None:
                return await _repeated(conn, existing)
            payment = await _extra_payment(conn, payment, event, now)
        # Expired, or due to be: the sweep may not have come by yet.
        late = payment.status == PaymentStatus.EXPIRED or (payment.status == PaymentStatus.PENDING and payment.expires_at <= now)
        balance, reward = await apply_topup(
            conn, payment.user_id, payment.amount, reason=f"{method}:{payment.id}", referral=referral  # type: ignore[attr-defined]
        )
        if reward:
            await Payment.filter(id=payment.id).using_db(conn).update(referral_reward=reward)
        payment = await Payment.get(id=payment.id).using_db(conn)
        purchase: PurchaseResult | AlreadyBought | None = None
        if payment.item_id is not None:  # type: ignore[attr-defined]
            request = PurchaseRequest(
                key=payment.purchase_key or f"payment:{payment.id}", user_id=payment.user_id,
                item_id=payment.item_id,  # type: ignore[attr-defined]
                quantity=payment.quantity, promo_code=payment.promo_code, expected_total=payment.amount,
            )
            [purchase] = await _buy(conn, [request])
            if isinstance(purchase, Delivered) and purchase.repeated:
                # The screen's Confirm bought the order after this payment passed its pre-checkout:
                # the purchase is not this payment's (a refund of it takes back only the credit).
                purchase = AlreadyBought(item_id=purchase.item_id, purchase_id=purchase.purchase_id)
            elif isinstance(purchase, Delivered):
                await Payment.filter(id=payment.id).using_db(conn).update(purchase_id=purchase.purchase_id)
                balance = purchase.balance
            payment = await Payment.get(id=payment.id).using_db(conn)
        user = await User.get(id=payment.user_id).using_db(conn)  # type: ignore[attr-defined]
        return Settled(payment=payment_record(payment), user=user_record(user), balance=balance, purchase=purchase, late=late)


async def _repeated(conn: BaseDBAsyncClient, payment: Payment) -> Settled:
    user = await User.get(id=payment.user_id).using_db(conn)  # type: ignore[attr-defined]
    return Settled(payment=payment_record(payment), user=user_record(user), balance=user.balance, repeated=True)


async def _extra_payment(conn: BaseDBAsyncClient, order: Payment, event: PaymentEvent, now: datetime) -> Payment:
    """A second payment of a paid order, recorded as a paid top-up of its own (the unique key
    backs the order's row lock taken before it)."""
    return await Payment.create(
        id=uuid.uuid4(), user_id=order.user_id, method=order.method, status=PaymentStatus.PAID,  # type: ignore[attr-defined]
        amount=order.amount, currency=order.currency, provider_amount=order.provider_amount,
        external_id=event.external_id, provider_charge_id=event.provider_charge_id, expires_at=order.expires_at,
        paid_at=now, using_db=conn,
    )


async def expire_orders(now: datetime | None = None) -> list[PaymentRecord]:
    """Mark the pending orders whose time is up as expired; returns them."""
    now = now or datetime.now(UTC)
    async with in_transaction() as conn:
        due = await Payment.filter(status=PaymentStatus.PENDING, expires_at__lte=now).using_db(conn).order_by("expires_at").limit(
            1000
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
        method=PaymentMethod(method), external_id__isnull=False,
    ).order_by("created_at")
    return [payment_record(payment) for payment in payments]
