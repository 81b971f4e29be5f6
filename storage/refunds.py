"""Refunds of Stars payments: the ledger side of giving a payment back.

A refund runs in two steps around the provider's call. `begin_refund` takes the credit back (the
balance never goes below zero: if the credit was spent, purchases made since are revoked first, when
the admin says so, and their totals credited back) together with the referral reward the payment paid
(see storage.rewards), and marks the payment refunding. `finish_refund` marks it refunded, or, when
the provider refused, undoes all of step one in one transaction: the credit is given back, the revoked
purchases are restored and charged again, the referrer's reward is given back, each a ledger entry of
its own, so the ledger ends where it was before the attempt. A crash in between leaves the payment
refunding, and the reconciler asks the provider again (a second refund of one charge is reported as
already done). `record_refunded` is Telegram's word that a payment was refunded, by the shop or
outside it (Telegram's support).

On PostgreSQL each step locks the payer and their referrer in id order first, the order top-ups and
purchase batches lock users in; SQLite has one writer.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from storage.audit import write_event
from storage.feed import add_event
from storage.kinds import ShopEventKind
from storage.ledger import apply_credit, lock_with_referrer
from storage.models import LedgerKind, Payment, PaymentMethod, PaymentStatus, Purchase, User
from storage.orders import order_key, payment_record
from storage.records import PaymentRecord, RefundRefused, RefundStarted
from storage.rewards import restore_reward, take_back_reward


async def refunding_payments() -> list[PaymentRecord]:
    """Refunds begun and not finished (a crash between the ledger and the provider's answer)."""
    return [payment_record(p) for p in await Payment.filter(status=PaymentStatus.REFUNDING).order_by("created_at")]


async def begin_refund(reference: str, *, revoke: bool = False) -> RefundStarted | RefundRefused:
    """Take back the credit of a paid Stars payment, found by order id or charge id (step one of a
    refund), and the referral reward it paid. When the balance no longer covers the credit, the refund
    is refused (balance_spent), unless `revoke`: then the payment's own purchase, and if need be the
    buyer's other purchases since the payment (newest first), are revoked and their totals credited
    back until it is covered. A refused refund changes nothing: purchases revoked on the way are
    rolled back with it."""
    try:
        async with in_transaction() as conn:
            payment = await _payment_by_reference(conn, reference)
            if payment is None:
                return RefundRefused(reason="unknown")
            record = payment_record(payment)
            if payment.status in (PaymentStatus.REFUNDING, PaymentStatus.REFUNDED):
                return RefundRefused(reason="already_refunded", payment=record)
            if payment.status != PaymentStatus.PAID:
                return RefundRefused(reason="not_paid", payment=record)
            if payment.method != PaymentMethod.STARS:
                return RefundRefused(reason="not_refundable", payment=record)
            paid = Payment.filter(id=payment.id, status=PaymentStatus.PAID).using_db(conn)
            if not await paid.update(status=PaymentStatus.REFUNDING):
                return RefundRefused(reason="already_refunded", payment=record)
            user_id = payment.user_id
            held = await _locked_balance(conn, user_id)
            balance = held
            revoked: list[str] = []
            if balance < payment.amount and revoke:
                balance, revoked = await _revoke_until_covered(conn, payment, balance)
            if balance < payment.amount:
                raise _Refused(RefundRefused(reason="balance_spent", payment=record, needed=record.amount, balance=held))
            balance = await apply_credit(conn, user_id, -payment.amount, kind=LedgerKind.REVERSAL, reason=str(payment.id))
            await take_back_reward(conn, payment)
            await _refund_event(conn, payment, f", {len(revoked)} purchases revoked" if revoked else "")
            payment = await Payment.get(id=payment.id, using_db=conn)
            return RefundStarted(payment=payment_record(payment), balance=balance, revoked=revoked)
    except _Refused as refused:
        return refused.refusal


async def _refund_event(conn: BaseDBAsyncClient, payment: Payment, how: str) -> None:
    await add_event(
        conn,
        ShopEventKind.REFUND,
        f"payment of user {payment.user_id} refunded{how}",
        user_id=payment.user_id,
        subject=f"payment:{payment.id}",
        amount=payment.amount,
    )


class _Refused(Exception):
    """Leaves begin_refund's transaction, rolling back what it wrote, with the refusal to report."""

    def __init__(self, refusal: RefundRefused) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal


async def _payment_by_reference(conn: BaseDBAsyncClient, reference: str) -> Payment | None:
    key = order_key(reference)
    query = Payment.filter(id=key) if key is not None else Payment.filter(external_id=reference[:128], method=PaymentMethod.STARS)
    return await query.using_db(conn).first()


async def _locked_balance(conn: BaseDBAsyncClient, user_id: int) -> Decimal:
    """The payer's balance, with the payer and their referrer locked (PostgreSQL)."""
    if conn.capabilities.dialect == "postgres":
        await lock_with_referrer(conn, user_id)
    balance = cast(Decimal | None, await User.filter(id=user_id).using_db(conn).first().values_list("balance", flat=True))
    return balance if balance is not None else Decimal(0)


async def _revoke_until_covered(conn: BaseDBAsyncClient, payment: Payment, balance: Decimal) -> tuple[Decimal, list[str]]:
    """Revoke the payment's purchase, then the buyer's purchases since it, newest first, while the
    balance is short of the payment's amount: each total is credited back (kind refund), and each
    purchase remembers the payment it was revoked for."""
    candidates: list[Purchase] = []
    if payment.purchase_id is not None:
        own = await Purchase.get_or_none(id=payment.purchase_id, revoked_at=None, using_db=conn)
        if own is not None:
            candidates.append(own)
    since = payment.paid_at or payment.created_at
    candidates += (
        await Purchase.filter(user_id=payment.user_id, revoked_at=None, created_at__gte=since, total__gt=0)
        .using_db(conn)
        .exclude(id=payment.purchase_id)
        .order_by("-created_at")
    )
    revoked: list[str] = []
    now = datetime.now(UTC)
    for purchase in candidates:
        if balance >= payment.amount:
            break
        revoking = Purchase.filter(id=purchase.id, revoked_at=None).using_db(conn)
        if not await revoking.update(revoked_at=now, revoked_for=payment.id):
            continue
        balance = await apply_credit(conn, purchase.user_id, purchase.total, kind=LedgerKind.REFUND, reason=purchase.item_title)
        revoked.append(str(purchase.id))
    return balance, revoked


async def finish_refund(order_id: str, *, refunded: bool) -> PaymentRecord | None:
    """Step two of a refund. The provider refunded (or had already): the payment is refunded. The
    provider refused: the payment is paid again and everything `begin_refund` did is undone (see
    the module docstring)."""
    key = order_key(order_id)
    async with in_transaction() as conn:
        payment = await Payment.get_or_none(id=key, using_db=conn) if key is not None else None
        if payment is None:
            return None
        if refunded:
            await (
                Payment.filter(id=key, status=PaymentStatus.REFUNDING)
                .using_db(conn)
                .update(status=PaymentStatus.REFUNDED, refunded_at=datetime.now(UTC))
            )
        elif await Payment.filter(id=key, status=PaymentStatus.REFUNDING).using_db(conn).update(status=PaymentStatus.PAID):
            await _undo_refund(conn, payment)
        return payment_record(await Payment.get(id=key, using_db=conn))


async def _undo_refund(conn: BaseDBAsyncClient, payment: Payment) -> None:
    """The payment's credit back, its revoked purchases restored and charged again (oldest first),
    the referrer's reward back. A purchase the balance no longer covers (the buyer spent the money
    `begin_refund` left them while the provider was asked) stays revoked, and the shortfall is
    written to the audit log as a security event: the balance never goes below zero."""
    user_id = payment.user_id
    await _locked_balance(conn, user_id)
    balance = await apply_credit(conn, user_id, payment.amount, kind=LedgerKind.REVERSAL, reason=str(payment.id))
    for purchase in await Purchase.filter(revoked_for=payment.id).using_db(conn).order_by("created_at"):
        if balance < purchase.total:
            await write_event(
                conn,
                "payment.refund_unrestored",
                actor_id=None,
                target=str(purchase.id),
                detail=f"refund of payment {payment.id} refused; purchase total {purchase.total}, balance {balance}",
                security=True,
            )
            continue
        await Purchase.filter(id=purchase.id).using_db(conn).update(revoked_at=None, revoked_for=None)
        balance = await apply_credit(conn, user_id, -purchase.total, kind=LedgerKind.PURCHASE, reason=purchase.item_title)
    await restore_reward(conn, payment)


async def record_refunded(charge_id: str) -> RefundStarted | RefundRefused:
    """Telegram reports a Stars payment refunded (refunded_payment). A refund the shop began is
    finished; one made elsewhere (Telegram's support) takes the credit back now when the balance
    still holds it; if it does not, the payment is marked refunded all the same and the shortfall
    is reported (balance_spent) for the audit log. Either way the referrer's reward for it is taken
    back (see storage.rewards)."""
    async with in_transaction() as conn:
        payment = await Payment.filter(external_id=charge_id[:128], method=PaymentMethod.STARS).using_db(conn).first()
        if payment is None:
            return RefundRefused(reason="unknown")
        now = datetime.now(UTC)
        if payment.status == PaymentStatus.REFUNDED:
            return RefundRefused(reason="already_refunded", payment=payment_record(payment))
        if payment.status == PaymentStatus.REFUNDING:
            await Payment.filter(id=payment.id).using_db(conn).update(status=PaymentStatus.REFUNDED, refunded_at=now)
            payment = await Payment.get(id=payment.id, using_db=conn)
            user = await User.get(id=payment.user_id, using_db=conn)
            return RefundStarted(payment=payment_record(payment), balance=user.balance)
        user_id = payment.user_id
        await Payment.filter(id=payment.id).using_db(conn).update(status=PaymentStatus.REFUNDED, refunded_at=now)
        balance = await _locked_balance(conn, user_id)
        await take_back_reward(conn, payment)
        await _refund_event(conn, payment, " by Telegram")
        payment = await Payment.get(id=payment.id, using_db=conn)
        if balance < payment.amount:
            return RefundRefused(reason="balance_spent", payment=payment_record(payment), needed=payment.amount, balance=balance)
        balance = await apply_credit(conn, user_id, -payment.amount, kind=LedgerKind.REVERSAL, reason=str(payment.id))
        return RefundStarted(payment=payment_record(payment), balance=balance)
