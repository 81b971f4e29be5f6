"""Telling a payer once: the "paid" message, and a direct purchase's goods, for each settled payment.

Settling a payment (storage.settlement) credits it in one transaction; telling its payer happens after,
outside the database, so whether it happened is recorded on the payment. A teller first claims the
payment (`claim_notice`, a conditional UPDATE: of two tellers at once, say a replayed
successful_payment and the reconciler, one wins), then marks it told (`notice_sent`) or, when the
message could not be sent, gives the claim up (`release_notice`) so that it is tried again. A claim
older than NOTICE_LEASE is taken over: its teller stopped before telling (a crash). Only paid payments
are told of: one whose refund began first is not announced any more.

A payment settled and never told (a crash right after the settle transaction) is told by whoever
settles it again (a replayed update: `payment_notice` gives what to tell) or found by the reconciler
(`untold_payments`).
"""

from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from storage.models import Payment, PaymentStatus, Purchase, User
from storage.orders import order_key, payment_record
from storage.purchases import redelivery
from storage.records import AlreadyBought, ItemUnavailable, PurchaseResult, Settled
from storage.users import user_record

# How long a claim to tell a payer holds before another teller may take it over; longer than a
# message (and a direct purchase's goods) takes to send, retries under flood control included.
NOTICE_LEASE = timedelta(minutes=5)


async def claim_notice(order_id: str) -> bool:
    """Claim telling the payer of this paid payment: True when the caller is to tell them now, False
    when they were told, someone else is telling them, or the payment is not (or no longer) paid."""
    key = order_key(order_id)
    if key is None:
        return False
    now = datetime.now(UTC)
    return bool(
        await Payment.filter(
            Q(notice_claimed_at__isnull=True) | Q(notice_claimed_at__lt=now - NOTICE_LEASE),
            id=key,
            status=PaymentStatus.PAID,
            notified_at__isnull=True,
        ).update(notice_claimed_at=now)
    )


async def notice_sent(order_id: str) -> None:
    """The payer was told (and the goods sent): the payment is never announced again."""
    await Payment.filter(id=order_key(order_id)).update(notified_at=datetime.now(UTC))


async def release_notice(order_id: str) -> None:
    """Telling the payer failed: give the claim up, so the next settler or the reconciler tries again."""
    await Payment.filter(id=order_key(order_id), notified_at__isnull=True).update(notice_claimed_at=None)


async def payment_notice(order_id: str) -> Settled | None:
    """A settled payment as its payer is to be told of it now (a settlement replayed after a crash):
    the balance as it is, a direct purchase's goods read again (or AlreadyBought, when its order had
    been bought by its screen's Confirm; ItemUnavailable, when the item could not be bought with the
    payment). None for an unknown or unpaid order."""
    key = order_key(order_id)
    if key is None:
        return None
    async with in_transaction() as conn:
        payment = await Payment.get_or_none(id=key, status=PaymentStatus.PAID, using_db=conn)
        if payment is None:
            return None
        user = await User.get(id=payment.user_id, using_db=conn)
        purchase: PurchaseResult | AlreadyBought | None = None
        if payment.purchase_id is not None:
            purchase = await redelivery(conn, await Purchase.get(id=payment.purchase_id, using_db=conn))
        elif payment.item_id is not None:
            bought = None
            if payment.purchase_key is not None:
                bought = await Purchase.get_or_none(request_key=payment.purchase_key, using_db=conn)
            if bought is not None:
                purchase = AlreadyBought(item_id=bought.item_id, purchase_id=str(bought.id))
            else:
                purchase = ItemUnavailable(item_id=payment.item_id)
        late = payment.paid_at is not None and payment.paid_at >= payment.expires_at
        return Settled(
            payment=payment_record(payment),
            user=user_record(user),
            balance=user.balance,
            purchase=purchase,
            late=late,
            repeated=True,
        )


async def untold_payments(settled_before: datetime, *, since: datetime, limit: int = 100) -> list[str]:
    """Paid payments settled between `since` and `settled_before` whose payer was never told and
    nobody is telling now (the reconciler's round; the (notified_at, paid_at) index), oldest first."""
    now = datetime.now(UTC)
    ids = (
        await Payment.filter(
            Q(notice_claimed_at__isnull=True) | Q(notice_claimed_at__lt=now - NOTICE_LEASE),
            notified_at__isnull=True,
            paid_at__gte=since,
            paid_at__lt=settled_before,
            status=PaymentStatus.PAID,
        )
        .order_by("paid_at")
        .limit(limit)
        .values_list("id", flat=True)
    )
    return [str(order_id) for order_id in ids]
