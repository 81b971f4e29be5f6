"""Promo codes: discount codes applied inside a purchase, credit codes redeemed for balance.

A code's `uses` counter is the gate: a use is granted only by a conditional increment that keeps
`uses <= max_uses`, inside the transaction that also writes the redemption, so concurrent buyers or
processes never use a code more often than allowed. Whoever redeems a code locks its row first (the
increment itself, or `SELECT … FOR UPDATE` in a purchase); the once-per-user check (an existing
redemption with the same `once_key`) is read under that lock, so the unique `once_key` is a last
line of defence that never fires in practice and never aborts a batch of purchases. On SQLite, whose
locks are no-ops, the single writer gives the same guarantee.

Codes are stored upper-case and matched case-insensitively. A discount code (percent or fixed) takes
money off an order total, never below zero; percent discounts are rounded to the cent, half up.
"""

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from storage.audit import write_event
from storage.errors import (
    Duplicate,
    StorageConflict,
    UnknownCategory,
    UnknownItem,
    UnknownPromo,
    UnknownUser,
)
from storage.inbox import claim_update
from storage.models import (
    CENT,
    Category,
    Item,
    LedgerEntry,
    LedgerKind,
    PromoCode,
    PromoKind,
    PromoRedemption,
    User,
)
from storage.paging import page_count
from storage.records import (
    Page,
    PromoCredited,
    PromoDiscount,
    PromoReason,
    PromoRecord,
    PromoRefusal,
)
from storage.staff_rules import audits_refusals, require_money

# What a code may look like: short enough to type, free of anything that needs escaping.
PROMO_CODE = re.compile(r"[A-Z0-9_-]{3,32}")
DISCOUNT_KINDS = (PromoKind.PERCENT, PromoKind.FIXED)


class PromoOutOfStep(StorageConflict):
    """A locked code refused a use its own transaction granted: the batch is rolled back."""


def normalize_code(code: str) -> str:
    return code.strip().upper()


def possible_code(code: str) -> bool:
    """Whether `code` (normalized) could name a code at all: one that cannot (too long for the
    column, or with characters no code has) is unknown without asking the database."""
    return PROMO_CODE.fullmatch(code) is not None


def discount_of(kind: str, value: Decimal, subtotal: Decimal) -> Decimal:
    """What a discount code takes off `subtotal`: never more than the subtotal itself."""
    if kind == PromoKind.PERCENT:
        discount = (subtotal * value / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        discount = value
    return min(discount, subtotal)


def refusal_of(
    promo: PromoCode | None, *, now: datetime, uses: int, want_credit: bool, in_scope: bool, used_by_user: bool
) -> PromoReason | None:
    """Why `promo` cannot be used now, in the order a buyer would want to hear it; None if it can."""
    if promo is None:
        return "unknown"
    if not promo.active:
        return "inactive"
    if promo.expires_at is not None and promo.expires_at <= now:
        return "expired"
    if promo.max_uses is not None and uses >= promo.max_uses:
        return "used_up"
    if want_credit and promo.kind != PromoKind.CREDIT:
        return "not_credit"
    if not want_credit and promo.kind == PromoKind.CREDIT:
        return "not_discount"
    if not in_scope:
        return "not_for_item"
    if used_by_user:
        return "already_used"
    return None


def once_key(promo: PromoCode, user_id: int) -> str | None:
    return f"{promo.id}:{user_id}" if promo.once_per_user else None


class DiscountGate:
    """The discount codes of one transaction, with the uses that transaction has granted so far.

    `open` reads the codes (locking their rows when `lock`, in id order, so two processes' batches
    cannot deadlock), `check` says what a code would take off an order, `grant` records a use, and
    `settle` writes the uses and redemptions. Checks count the uses granted earlier in the same
    transaction, so one batch never overspends a code either.
    """

    def __init__(self, conn: BaseDBAsyncClient, promos: dict[str, PromoCode], used_keys: set[str]) -> None:
        self._conn = conn
        self._promos = promos
        self._used_keys = used_keys
        self._granted: dict[int, int] = {}
        self._redemptions: list[PromoRedemption] = []
        self._parents: dict[int, int | None] = {}

    @classmethod
    async def open(cls, conn: BaseDBAsyncClient, wanted: Iterable[tuple[str, int]], *, lock: bool) -> "DiscountGate":
        """`wanted`: (code, user id) pairs; codes as typed."""
        # A code that cannot exist stays out of the query (check() finds it unknown).
        normalized = ((normalize_code(code), user_id) for code, user_id in wanted)
        pairs = [(code, user_id) for code, user_id in normalized if possible_code(code)]
        if not pairs:
            return cls(conn, {}, set())
        query = PromoCode.filter(code__in={code for code, _ in pairs}).using_db(conn).order_by("id")
        promos = {promo.code: promo for promo in await (query.select_for_update(no_key=True) if lock else query)}
        keys = {key for code, user_id in pairs if code in promos and (key := once_key(promos[code], user_id))}
        used = (
            set(
                cast(list[str], await PromoRedemption.filter(once_key__in=keys).using_db(conn).values_list("once_key", flat=True))
            )
            if keys
            else set()
        )
        return cls(conn, promos, used)

    async def check(self, code: str, user_id: int, item: Item, subtotal: Decimal, now: datetime) -> PromoDiscount | PromoRefusal:
        code = normalize_code(code)
        promo = self._promos.get(code)
        reason = refusal_of(
            promo,
            now=now,
            uses=promo.uses + self._granted.get(promo.id, 0) if promo else 0,
            want_credit=False,
            in_scope=promo is not None and await self._in_scope(promo, item),
            used_by_user=promo is not None and once_key(promo, user_id) in self._used_keys,
        )
        if reason is not None or promo is None:
            return PromoRefusal(code=code, reason=reason or "unknown")
        return PromoDiscount(
            code=code, kind=PromoKind(promo.kind), value=promo.value, discount=discount_of(promo.kind, promo.value, subtotal)
        )

    def grant(self, discount: PromoDiscount, user_id: int, purchase_id: object) -> None:
        """Count a use of a code `check` accepted, redeemed by the purchase `purchase_id`."""
        promo = self._promos[discount.code]
        self._granted[promo.id] = self._granted.get(promo.id, 0) + 1
        key = once_key(promo, user_id)
        if key is not None:
            self._used_keys.add(key)
        self._redemptions.append(
            PromoRedemption(promo_id=promo.id, user_id=user_id, purchase_id=purchase_id, amount=discount.discount, once_key=key)
        )

    async def settle(self) -> None:
        """Write the granted uses (each a conditional increment) and the redemptions."""
        by_id = {promo.id: promo for promo in self._promos.values()}
        for promo_id, count in sorted(self._granted.items()):
            query = PromoCode.filter(id=promo_id, active=True).using_db(self._conn)
            limit = by_id[promo_id].max_uses
            if limit is not None:
                query = query.filter(uses__lte=limit - count)
            if not await query.update(uses=F("uses") + count):
                raise PromoOutOfStep(f"promo {promo_id}: {count} use(s) no longer fit")
        if self._redemptions:
            await PromoRedemption.bulk_create(self._redemptions, using_db=self._conn)

    async def _in_scope(self, promo: PromoCode, item: Item) -> bool:
        if promo.item_id is not None:
            return promo.item_id == item.id
        if promo.category_id is None:
            return True
        category_id = item.category_id
        if category_id not in self._parents:
            self._parents[category_id] = cast(
                int | None, await Category.filter(id=category_id).using_db(self._conn).first().values_list("parent_id", flat=True)
            )
        return promo.category_id in (category_id, self._parents[category_id])


# --- use cases ------------------------------------------------------------------------------------


async def redeem_promo(code: str, user_id: int, *, once: int | None = None) -> PromoCredited | PromoRefusal:
    """Redeem a credit code: the balance grows by its value, with a "promo" ledger entry.

    One transaction. The conditional increment of `uses` comes first (after the update's claim, see
    `once`): it is the gate, SQLite takes its write lock at once, and on PostgreSQL it locks the code's
    row until commit, which queues other redeemers of the same code behind this one. A refusal after it
    rolls the increment back. Raises UnknownUser for an unregistered user. With `once` (the update that
    asked), that update is claimed first in the same transaction: raises AlreadyHandled when it
    redeemed already (a replay).
    """
    code = normalize_code(code)
    if not possible_code(code):
        return PromoRefusal(code=code, reason="unknown")
    now = datetime.now(UTC)
    try:
        async with in_transaction() as conn:
            await claim_update(conn, once)
            usable = (
                PromoCode.filter(code=code, kind=PromoKind.CREDIT, active=True)
                .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
                .filter(Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses")))
            )
            if not await usable.using_db(conn).update(uses=F("uses") + 1):
                promo = await PromoCode.get_or_none(code=code, using_db=conn)
                uses = promo.uses if promo is not None else 0
                reason = refusal_of(promo, now=now, uses=uses, want_credit=True, in_scope=True, used_by_user=False)
                return PromoRefusal(code=code, reason=reason or "used_up")
            promo = await PromoCode.get(code=code, using_db=conn)
            key = once_key(promo, user_id)
            if key is not None and await PromoRedemption.filter(once_key=key).using_db(conn).exists():
                raise _Refused("already_used")
            if not await User.filter(id=user_id).using_db(conn).update(balance=F("balance") + promo.value):
                raise UnknownUser(user_id)
            await PromoRedemption.create(promo_id=promo.id, user_id=user_id, amount=promo.value, once_key=key, using_db=conn)
            await LedgerEntry.create(user_id=user_id, amount=promo.value, kind=LedgerKind.PROMO, reason=code, using_db=conn)
            balance = cast(Decimal, await User.filter(id=user_id).using_db(conn).first().values_list("balance", flat=True))
            return PromoCredited(code=code, amount=promo.value, balance=balance)
    except _Refused as refused:
        return PromoRefusal(code=code, reason=refused.reason)


class _Refused(Exception):
    """Leaves the redemption's transaction (rolling it back) with the reason to tell the user."""

    def __init__(self, reason: PromoReason) -> None:
        super().__init__(reason)
        self.reason: PromoReason = reason


@audits_refusals
async def create_promo(
    code: str,
    kind: str,
    value: Decimal,
    *,
    max_uses: int | None = None,
    once_per_user: bool = True,
    expires_at: datetime | None = None,
    item: str | None = None,
    category: str | None = None,
    actor_id: int | None = None,
) -> PromoRecord:
    """Create a code (stored upper-case). `item` (a title) or `category` (a name) scopes a discount.
    A "promo.create" audit event by `actor_id` commits with it. A credit code makes money: it needs
    the owner or the money permission (StaffRefused otherwise, see storage.staff_rules).

    The caller validates the values (the CLI does, naming the argument at fault); a code, kind or
    value out of range raises ValueError. Raises Duplicate, UnknownItem or UnknownCategory.
    """
    code = normalize_code(code)
    promo_kind = PromoKind(kind)
    if not PROMO_CODE.fullmatch(code):
        raise ValueError(f"promo code {code!r}: 3–32 letters, digits, '-' or '_'")
    if value <= 0 or (promo_kind == PromoKind.PERCENT and value > 100):
        raise ValueError(f"promo value {value} out of range for a {kind} code")
    if (item or category) and promo_kind == PromoKind.CREDIT:
        raise ValueError("a credit code has no item or category scope")
    async with in_transaction() as conn:
        if promo_kind == PromoKind.CREDIT:
            await require_money(conn, actor_id, "promo.create", code)
        item_id = category_id = None
        if item is not None:
            item_id = await Item.filter(title=item).using_db(conn).first().values_list("id", flat=True)
            if item_id is None:
                raise UnknownItem(item)
        if category is not None:
            category_id = await Category.filter(name=category).using_db(conn).first().values_list("id", flat=True)
            if category_id is None:
                raise UnknownCategory(category)
        if await PromoCode.filter(code=code).using_db(conn).exists():
            raise Duplicate("promo code", code)
        try:
            promo = await PromoCode.create(
                code=code,
                kind=promo_kind,
                value=value.quantize(CENT),
                max_uses=max_uses,
                once_per_user=once_per_user,
                expires_at=expires_at,
                item_id=item_id,
                category_id=category_id,
                using_db=conn,
            )
        except IntegrityError:  # created by another process between the check and the insert
            raise Duplicate("promo code", code) from None
        await write_event(conn, "promo.create", actor_id=actor_id, target=code, detail=f"{promo_kind} {promo.value}")
    return PromoRecord(
        id=promo.id,
        code=promo.code,
        kind=PromoKind(promo.kind),
        value=promo.value,
        max_uses=promo.max_uses,
        uses=0,
        once_per_user=promo.once_per_user,
        expires_at=promo.expires_at,
        active=True,
        item_title=item,
        category_name=category,
    )


PROMO_FIELDS = (
    "id",
    "code",
    "kind",
    "value",
    "max_uses",
    "uses",
    "once_per_user",
    "expires_at",
    "active",
    "item__title",
    "category__name",
)


def _promo_record(row: dict[str, Any]) -> PromoRecord:
    return PromoRecord(
        id=row["id"],
        code=row["code"],
        kind=PromoKind(row["kind"]),
        value=row["value"],
        max_uses=row["max_uses"],
        uses=row["uses"],
        once_per_user=row["once_per_user"],
        expires_at=row["expires_at"],
        active=row["active"],
        item_title=row["item__title"],
        category_name=row["category__name"],
    )


async def list_promos(page: int = 1, size: int = 50) -> Page[PromoRecord]:
    """One page of every code, by code."""
    total = await PromoCode.all().count()
    pages = page_count(total, size)
    number = min(max(page, 1), pages)
    rows = await PromoCode.all().order_by("code").offset((number - 1) * size).limit(size).values(*PROMO_FIELDS)
    return Page(rows=[_promo_record(row) for row in rows], number=number, pages=pages, total=total)


async def get_promo(code: str) -> PromoRecord | None:
    """The code as typed (any case), or None."""
    code = normalize_code(code)
    if not possible_code(code):
        return None
    row = cast(dict[str, Any] | None, await PromoCode.filter(code=code).first().values(*PROMO_FIELDS))
    return None if row is None else _promo_record(row)


async def disable_promo(code: str, *, actor_id: int | None = None) -> PromoRecord:
    """Stop a code from being used (uses already made stay), with a "promo.disable" audit event by
    `actor_id` in the same transaction. A code already disabled stays so and logs nothing.
    Raises UnknownPromo."""
    code = normalize_code(code)
    if not possible_code(code):
        raise UnknownPromo(code)
    async with in_transaction() as conn:
        if await PromoCode.filter(code=code, active=True).using_db(conn).update(active=False):
            await write_event(conn, "promo.disable", actor_id=actor_id, target=code)
        row = await PromoCode.filter(code=code).using_db(conn).first().values(*PROMO_FIELDS)
        if row is None:
            raise UnknownPromo(code)
    return _promo_record(row)
