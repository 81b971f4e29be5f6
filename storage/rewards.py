"""Referral rewards given back when the payment that earned them is refunded, and restored when the
refund does not happen after all.

Crediting a payment records the reward it paid the payer's referrer (`Payment.referral_reward`). A
refund takes that reward back in the refund's own transaction, as a ledger entry of its own (kind
reward_reversal), and gives back the caps it used: the referred user's `referral_paid` and the
referrer's `referral_earned` go down by what was taken back. Balances never go below zero: when the
referrer has spent the reward, what their balance holds is taken back and the rest is written to the
audit log as a security event (referral.reward_unrecovered) in the same transaction; the part not
taken back stays counted against the caps, since the referrer keeps it.

Callers hold the payer's and the referrer's rows locked (PostgreSQL: `lock_with_referrer`; SQLite has
one writer).
"""

from decimal import Decimal
from typing import Any, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F

from storage.audit import write_event
from storage.ledger import referral_reason
from storage.models import LedgerEntry, LedgerKind, Payment, User


async def take_back_reward(conn: BaseDBAsyncClient, payment: Payment) -> Decimal:
    """Take back from the referrer the reward `payment` paid them (what is left of it); returns how
    much was taken back."""
    due = payment.referral_reward - payment.referral_reversed
    referrer = await _referrer(conn, payment) if due > 0 else None
    if referrer is None:
        return Decimal(0)
    referrer_id, reason = referrer
    balance = cast(Decimal | None, await User.filter(id=referrer_id).using_db(conn).first().values_list("balance", flat=True))
    taken = min(due, balance or Decimal(0))
    if taken > 0:
        await (
            User.filter(id=referrer_id, balance__gte=taken)
            .using_db(conn)
            .update(balance=F("balance") - taken, referral_earned=F("referral_earned") - taken)
        )
        await User.filter(id=payment.user_id).using_db(conn).update(referral_paid=F("referral_paid") - taken)
        await LedgerEntry.create(
            user_id=referrer_id, amount=-taken, kind=LedgerKind.REWARD_REVERSAL, reason=reason, using_db=conn
        )
        await Payment.filter(id=payment.id).using_db(conn).update(referral_reversed=F("referral_reversed") + taken)
    if taken < due:
        await write_event(
            conn,
            "referral.reward_unrecovered",
            actor_id=None,
            target=str(payment.id),
            detail=f"referrer {referrer_id} spent the reward: {due} to take back, {taken} taken",
            security=True,
        )
    return taken


async def restore_reward(conn: BaseDBAsyncClient, payment: Payment) -> None:
    """Give the referrer back what `take_back_reward` took for `payment` (its refund was refused)."""
    back = payment.referral_reversed
    referrer = await _referrer(conn, payment) if back > 0 else None
    if referrer is None:
        return
    referrer_id, reason = referrer
    await (
        User.filter(id=referrer_id)
        .using_db(conn)
        .update(balance=F("balance") + back, referral_earned=F("referral_earned") + back)
    )
    await User.filter(id=payment.user_id).using_db(conn).update(referral_paid=F("referral_paid") + back)
    await LedgerEntry.create(user_id=referrer_id, amount=back, kind=LedgerKind.REFERRAL, reason=reason, using_db=conn)
    await Payment.filter(id=payment.id).using_db(conn).update(referral_reversed=Decimal(0))


async def _referrer(conn: BaseDBAsyncClient, payment: Payment) -> tuple[int, str] | None:
    """The payer's referrer's id, and the ledger reason naming the payer."""
    user_id = payment.user_id
    payer = cast(
        dict[str, Any] | None,
        await User.filter(id=user_id).using_db(conn).first().values("referrer_id", "username", "first_name"),
    )
    if payer is None or payer["referrer_id"] is None:
        return None
    return payer["referrer_id"], referral_reason(payer["username"], payer["first_name"], user_id)
