"""Settling a paid order: crediting a provider's payment exactly once, and buying a direct
purchase's item with it.

A provider's report that an order was paid (`PaymentEvent`) is settled in one transaction: the order
moves from pending (or expired: a late payment is still money received) to paid by a conditional
UPDATE, the balance is credited with its ledger entry and referral reward, and a direct purchase buys
the item with that credit. The conditional UPDATE and the unique (method, external_id) key make a
report seen twice, or by two processes at once (webhook and polling), credit once.

An order paid from a confirmation screen buys with that screen's purchase key (see storage.orders): a
payment whose order its Confirm bought first buys nothing and stays on the balance (AlreadyBought).

Crediting a top-up records the referral reward it paid, so that a refund (storage.refunds) can take
it back. Telling the payer is a step of its own, recorded on the payment (storage.notices).
"""

import uuid
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from storage.feed import add_event
from storage.kinds import ShopEventKind
from storage.ledger import apply_topup
from storage.models import Payment, PaymentMethod, PaymentStatus, User
from storage.orders import order_key, payment_record
from storage.purchases import _buy
from storage.records import (
    AlreadyBought,
    Delivered,
    PaymentEvent,
    PaymentRejected,
    PurchaseRequest,
    PurchaseResult,
    ReferralTerms,
    Settled,
)
from storage.users import user_record


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
        payment = await Payment.get_or_none(id=key, using_db=conn)
        if payment is None:
            return PaymentRejected(order_id=event.order_id[:64], reason="unknown")
        if payment.method != method or payment.currency != event.currency or payment.provider_amount != event.provider_amount:
            return PaymentRejected(order_id=event.order_id, reason="mismatch")
        if method == PaymentMethod.CRYPTOPAY and payment.external_id not in (None, event.external_id):
            return PaymentRejected(order_id=event.order_id, reason="mismatch")
        now = datetime.now(UTC)
        # The first statement is the write that claims the order (and SQLite's write lock).
        claimed = (
            await Payment.filter(id=key, status__in=(PaymentStatus.PENDING, PaymentStatus.EXPIRED))
            .using_db(conn)
            .update(
                status=PaymentStatus.PAID, external_id=event.external_id, provider_charge_id=event.provider_charge_id, paid_at=now
            )
        )
        if not claimed:
            # Reports that miss the claim take turns on the order's row (PostgreSQL; SQLite has one
            # writer): a second charge reported twice at once is then recorded by the first and
            # found as repeated by the next, instead of both inserting it.
            payment = await Payment.filter(id=key).using_db(conn).select_for_update(no_key=True).get()
            if payment.external_id == event.external_id or method == PaymentMethod.CRYPTOPAY:
                return await _repeated(conn, payment)
            existing = await Payment.get_or_none(method=method, external_id=event.external_id, using_db=conn)
            if existing is not None:
                return await _repeated(conn, existing)
            payment = await _extra_payment(conn, payment, event, now)
        # Expired, or due to be: the sweep may not have come by yet.
        late = payment.status == PaymentStatus.EXPIRED or (payment.status == PaymentStatus.PENDING and payment.expires_at <= now)
        balance, reward = await apply_topup(
            conn, payment.user_id, payment.amount, reason=f"{method}:{payment.id}", referral=referral
        )
        if reward:
            await Payment.filter(id=payment.id).using_db(conn).update(referral_reward=reward)
        await add_event(
            conn,
            ShopEventKind.PAYMENT,
            f"user {payment.user_id} paid by {method}{' (late)' if late else ''}",
            user_id=payment.user_id,
            subject=f"payment:{payment.id}",
            amount=payment.amount,
        )
        payment = await Payment.get(id=payment.id, using_db=conn)
        purchase: PurchaseResult | AlreadyBought | None = None
        if payment.item_id is not None:
            request = PurchaseRequest(
                key=payment.purchase_key or f"payment:{payment.id}",
                user_id=payment.user_id,
                item_id=payment.item_id,
                quantity=payment.quantity,
                promo_code=payment.promo_code,
                expected_total=payment.amount,
            )
            [purchase] = await _buy(conn, [request])
            if isinstance(purchase, Delivered) and purchase.repeated:
                # The screen's Confirm bought the order after this payment passed its pre-checkout:
                # the purchase is not this payment's (a refund of it takes back only the credit).
                purchase = AlreadyBought(item_id=purchase.item_id, purchase_id=purchase.purchase_id)
            elif isinstance(purchase, Delivered):
                await Payment.filter(id=payment.id).using_db(conn).update(purchase_id=purchase.purchase_id)
                balance = purchase.balance
            payment = await Payment.get(id=payment.id, using_db=conn)
        user = await User.get(id=payment.user_id).using_db(conn)  # type: ignore[attr-defined]
        return Settled(payment=payment_record(payment), user=user_record(user), balance=balance, purchase=purchase, late=late)


async def _repeated(conn: BaseDBAsyncClient, payment: Payment) -> Settled:
    user = await User.get(id=payment.user_id).using_db(conn)  # type: ignore[attr-defined]
    return Settled(payment=payment_record(payment), user=user_record(user), balance=user.balance, repeated=True)


async def _extra_payment(conn: BaseDBAsyncClient, order: Payment, event: PaymentEvent, now: datetime) -> Payment:
    """A second payment of a paid order, recorded as a paid top-up of its own (the unique key
    backs the order's row lock taken before it)."""
    return await Payment.create(
        id=uuid.uuid4(),
        user_id=order.user_id,
        method=order.method,
        status=PaymentStatus.PAID,
        amount=order.amount,
        currency=order.currency,
        provider_amount=order.provider_amount,
        external_id=event.external_id,
        provider_charge_id=event.provider_charge_id,
        expires_at=order.expires_at,
        paid_at=now,
        using_db=conn,
    )
