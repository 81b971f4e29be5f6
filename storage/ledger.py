"""Use cases that move money outside a purchase: credits, adjustments, and the ledger check."""

from decimal import Decimal

from tortoise.expressions import F
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from storage.errors import InsufficientBalance, UnknownUser
from storage.models import LedgerEntry, LedgerKind, User
from storage.records import LedgerMismatch

CENT = Decimal("0.01")


async def credit_user(user_id: int, amount: Decimal, *, kind: str = "adjustment", reason: str = "") -> Decimal:
    """Add `amount` (negative debits) to the balance with its ledger entry; returns the new balance.

    The balance never goes below zero: a debit larger than the balance raises InsufficientBalance and
    changes nothing. The balance update is the first statement, so SQLite takes its write lock at once.
    """
    amount = amount.quantize(CENT)
    async with in_transaction() as conn:
        if amount >= 0:
            changed = await User.filter(id=user_id).using_db(conn).update(balance=F("balance") + amount)
        else:
            changed = await User.filter(id=user_id, balance__gte=-amount).using_db(conn).update(
                balance=F("balance") + amount
            )
        if not changed:
            user = await User.get_or_none(id=user_id).using_db(conn)
            if user is None:
                raise UnknownUser(user_id)
            raise InsufficientBalance(user_id, user.balance, amount)
        await LedgerEntry.create(user_id=user_id, amount=amount, kind=LedgerKind(kind), reason=reason[:256], using_db=conn)
        user = await User.get(id=user_id).using_db(conn)
        return user.balance


async def check_ledger() -> list[LedgerMismatch]:
    """Every user whose balance differs from the sum of their ledger entries (should be none)."""
    sums = {
        row["user_id"]: row["total"] or Decimal(0)
        for row in await LedgerEntry.annotate(total=Sum("amount")).group_by("user_id").values("user_id", "total")
    }
    mismatches = []
    for user_id, balance in await User.all().values_list("id", "balance"):
        ledger_sum = Decimal(sums.get(user_id, 0)).quantize(CENT)
        if balance != ledger_sum or balance < 0:
            mismatches.append(LedgerMismatch(user_id=user_id, balance=balance, ledger_sum=ledger_sum))
    return mismatches
