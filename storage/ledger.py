"""Use cases that move money outside a purchase: credits, adjustments, referral rewards, the ledger
view and the ledger check."""

from decimal import ROUND_DOWN, Decimal
from typing import Any, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from storage.errors import InsufficientBalance, UnknownUser
from storage.models import CENT, LedgerEntry, LedgerKind, User
from storage.paging import paginate
from storage.records import LedgerMismatch, LedgerRow, Page, ReferralTerms


async def credit_user(
    user_id: int,
    amount: Decimal,
    *,
    kind: str = "adjustment",
    reason: str = "",
    referral: ReferralTerms | None = None,
) -> Decimal:
    """Add `amount` (negative debits) to the balance with its ledger entry; returns the new balance.

    The balance never goes below zero: a debit larger than the balance raises InsufficientBalance and
    changes nothing. The balance update is the first statement, so SQLite takes its write lock at once.
    A credited top-up (kind "topup") with `referral` terms also pays the user's referrer their reward,
    in the same transaction (see `referral_reward`).
    """
    async with in_transaction() as conn:
        return await apply_credit(conn, user_id, amount, kind=kind, reason=reason, referral=referral)


async def apply_credit(
    conn: BaseDBAsyncClient,
    user_id: int,
    amount: Decimal,
    *,
    kind: str,
    reason: str = "",
    referral: ReferralTerms | None = None,
) -> Decimal:
    """`credit_user` inside the caller's transaction (a payment credits with the rest of its
    settlement); returns the new balance."""
    return (await _apply_credit(conn, user_id, amount, kind=kind, reason=reason, referral=referral))[0]


async def apply_topup(
    conn: BaseDBAsyncClient, user_id: int, amount: Decimal, *, reason: str, referral: ReferralTerms | None
) -> tuple[Decimal, Decimal]:
    """A credited top-up inside the caller's transaction: (the new balance, the reward it paid the
    user's referrer), so that a refund of the top-up can take that reward back."""
    return await _apply_credit(conn, user_id, amount, kind=LedgerKind.TOPUP, reason=reason, referral=referral)


async def _apply_credit(
    conn: BaseDBAsyncClient, user_id: int, amount: Decimal, *, kind: str, reason: str, referral: ReferralTerms | None
) -> tuple[Decimal, Decimal]:
    amount = amount.quantize(CENT)
    rewarding = referral is not None and referral.percent > 0 and kind == LedgerKind.TOPUP and amount > 0
    if rewarding and conn.capabilities.dialect == "postgres":
        await lock_with_referrer(conn, user_id)
    if amount >= 0:
        changed = await User.filter(id=user_id).using_db(conn).update(balance=F("balance") + amount)
    else:
        changed = await User.filter(id=user_id, balance__gte=-amount).using_db(conn).update(balance=F("balance") + amount)
    if not changed:
        user = await User.get_or_none(id=user_id, using_db=conn)
        if user is None:
            raise UnknownUser(user_id)
        raise InsufficientBalance(user_id, user.balance, amount)
    await LedgerEntry.create(user_id=user_id, amount=amount, kind=LedgerKind(kind), reason=reason[:256], using_db=conn)
    reward = await _reward_referrer(conn, user_id, amount, referral) if rewarding and referral is not None else Decimal(0)
    user = await User.get(id=user_id, using_db=conn)
    return user.balance, reward


def referral_reward(terms: ReferralTerms, amount: Decimal, *, paid: Decimal, earned: Decimal) -> Decimal:
    """`terms.percent` of a top-up of `amount`, rounded down to the cent, within what the caps leave:
    `paid` is what this referred user has already earned their referrer, `earned` what the referrer
    has earned from everyone."""
    reward = amount * terms.percent / 100
    if terms.cap_per_referral > 0:
        reward = min(reward, terms.cap_per_referral - paid)
    if terms.cap_total > 0:
        reward = min(reward, terms.cap_total - earned)
    return max(reward.quantize(CENT, rounding=ROUND_DOWN), Decimal(0))


async def lock_with_referrer(conn: BaseDBAsyncClient, user_id: int) -> None:
    """Lock the user and their referrer in id order, the order purchase batches lock buyers in, so a
    top-up and a batch holding both cannot deadlock (PostgreSQL only: on SQLite, whose single writer
    needs no row locks, the first statement stays the write that takes the database lock)."""
    referrer_id = cast(int | None, await User.filter(id=user_id).using_db(conn).first().values_list("referrer_id", flat=True))
    ids = sorted({user_id} | ({referrer_id} if referrer_id is not None else set()))
    await User.filter(id__in=ids).using_db(conn).select_for_update(no_key=True).order_by("id").only("id")


async def _reward_referrer(conn: BaseDBAsyncClient, user_id: int, amount: Decimal, terms: ReferralTerms) -> Decimal:
    # Both rows are locked by now (PostgreSQL; SQLite has one writer), so two top-ups cannot both
    # pass a cap.
    referred = cast(
        dict[str, Any] | None,
        await User.filter(id=user_id).using_db(conn).first().values("referrer_id", "referral_paid", "username", "first_name"),
    )
    if referred is None or referred["referrer_id"] is None:
        return Decimal(0)
    referrer_id = referred["referrer_id"]
    # The whole row: Tortoise drops FOR UPDATE from a values()/values_list() query.
    referrer = await User.filter(id=referrer_id).using_db(conn).select_for_update(no_key=True).first()
    if referrer is None:
        return Decimal(0)
    reward = referral_reward(terms, amount, paid=referred["referral_paid"], earned=referrer.referral_earned)
    if reward <= 0:
        return Decimal(0)
    await User.filter(id=user_id).using_db(conn).update(referral_paid=F("referral_paid") + reward)
    await (
        User.filter(id=referrer_id)
        .using_db(conn)
        .update(balance=F("balance") + reward, referral_earned=F("referral_earned") + reward)
    )
    reason = referral_reason(referred["username"], referred["first_name"], user_id)
    await LedgerEntry.create(user_id=referrer_id, amount=reward, kind=LedgerKind.REFERRAL, reason=reason, using_db=conn)
    return reward


def referral_reason(username: str | None, first_name: str, user_id: int) -> str:
    """The ledger reason of a referrer's reward (or its reversal): who was referred."""
    name = f"@{username}" if username else first_name
    return f"{name} ({user_id})"[:256]


async def ledger_page(user_id: int, page: int, size: int) -> Page[LedgerRow]:
    """Page `page` of the user's balance changes, newest first (the (user_id, id) index)."""
    async with in_transaction() as conn:
        query = LedgerEntry.filter(user_id=user_id).using_db(conn).order_by("-id")
        return await paginate(query, page, size, _ledger_row)


def _ledger_row(entry: LedgerEntry) -> LedgerRow:
    return LedgerRow(
        id=entry.id, amount=entry.amount, kind=LedgerKind(entry.kind), reason=entry.reason, created_at=entry.created_at
    )


async def check_ledger() -> list[LedgerMismatch]:
    """Every user whose balance differs from the sum of their ledger entries (should be none).

    One statement, so balances and sums come from one snapshot even while purchases go on."""
    mismatches = []
    rows = (
        await User.annotate(ledger_sum=Sum("ledger__amount")).group_by("id", "balance").values_list("id", "balance", "ledger_sum")
    )
    for user_id, balance, total in rows:
        ledger_sum = Decimal(total or 0).quantize(CENT)
        if balance != ledger_sum or balance < 0:
            mismatches.append(LedgerMismatch(user_id=user_id, balance=balance, ledger_sum=ledger_sum))
    return mismatches
