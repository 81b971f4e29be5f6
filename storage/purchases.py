"""The purchase use case: many requests, one transaction (a group commit).

Correctness rests on the database, not on the caller: the buyers' rows are locked (in id order) and
read before anyone is charged, and debited by conditional updates (`balance >= debit`) whose row counts
are checked; the item's stock counter is decremented by a conditional update under its row lock, units
are claimed with `FOR UPDATE SKIP LOCKED` (a no-op on SQLite, whose single writer gives the same
guarantees) and re-checked by a conditional update, and the request key is unique. Two processes on
one PostgreSQL therefore never sell a unit twice, and a replayed request never buys twice.

The writes are set-based: one debit UPDATE per distinct amount in the batch (usually one), one UPDATE
claiming every unit sold, one INSERT each for purchases and ledger entries. A batch of 64 costs about
ten statements, not two per buyer: on SQLite every statement is a round trip to the driver's thread.

Item kinds: a "unique" item sells its units, each once; "unlimited" and "file" items never run out
(the purchase keeps a snapshot of the content, or delivers the item's document) and sell one at a time.

A promo code is checked and its use granted inside the same transaction (see `storage.promos`): the
codes of a batch are locked before its items, always in that order, so batches cannot deadlock. The
buyer is charged price × quantity − discount, never below zero. A request may name the total its buyer
agreed to; a purchase that would cost anything else is refused, not charged.

The cost of a purchase does not depend on the stock left: the next unit is an index seek on
(item_id, sold, id) and the count is a column, not a COUNT(*).
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import cast

from pypika_tortoise.functions import Cast
from pypika_tortoise.terms import ValueWrapper
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Case, Expression, F, ResolveContext, ResolveResult, When
from tortoise.transactions import in_transaction

from storage.catalog import ID_MAX, SHOWN, SOLD, in_shown_category, item_record
from storage.errors import StorageConflict
from storage.feed import add_events, purchase_events
from storage.models import CENT, Item, ItemKind, LedgerEntry, LedgerKind, Purchase, StockUnit, User
from storage.promos import DiscountGate
from storage.records import (
    Delivered,
    InsufficientFunds,
    ItemUnavailable,
    PriceChanged,
    PromoDiscount,
    PromoRefusal,
    PromoRejected,
    PurchasePreview,
    PurchaseRequest,
    PurchaseResult,
    SoldOut,
)
from storage.vault import vault


class StockOutOfStep(StorageConflict):
    """The stock counter promised units that are not there: the batch is rolled back."""


class BalanceOutOfStep(StorageConflict):
    """A locked balance changed under the batch: the batch is rolled back."""


async def purchase_preview(
    user_id: int, item_id: int, quantity: int = 1, promo_code: str | None = None
) -> PurchasePreview | None:
    """What the confirmation screen shows: the visible item, the order's total with the discount of
    `promo_code` when it applies (or why it does not), and the buyer's balance. None for an unknown or
    hidden item. Nothing is reserved: the purchase checks everything again."""
    if not 0 < item_id <= ID_MAX or not 0 < quantity <= ID_MAX:
        return None
    async with in_transaction() as conn:
        item = await Item.filter(in_shown_category(), id=item_id, hidden=False).using_db(conn).only(*SHOWN).first()
        if item is None:
            return None
        balance = await User.filter(id=user_id).using_db(conn).first().values_list("balance", flat=True)
        subtotal = item.price * quantity
        promo: PromoDiscount | PromoRefusal | None = None
        if promo_code:
            gate = await DiscountGate.open(conn, [(promo_code, user_id)], lock=False)
            promo = await gate.check(promo_code, user_id, item, subtotal, datetime.now(UTC))
    discount = promo.discount if isinstance(promo, PromoDiscount) else Decimal(0)
    return PurchasePreview(
        item=item_record(item),
        balance=Decimal(balance or 0).quantize(CENT),
        quantity=quantity,
        total=subtotal - discount,
        promo=promo,
    )


async def buy(requests: Sequence[PurchaseRequest]) -> list[PurchaseResult]:
    """Run every request in one transaction; results are in request order.

    Each request either delivers (debit, units, purchase, ledger and promo redemption rows all
    written) or returns SoldOut / InsufficientFunds / ItemUnavailable / PriceChanged / PromoRejected
    with nothing changed for that buyer.
    """
    async with in_transaction() as conn:
        return await _buy(conn, requests)


class _Sale:
    """A granted request on its way to the database: the purchase row, its ledger entry, its goods."""

    __slots__ = ("entry", "item", "purchase", "unit_ids", "units")

    def __init__(self, purchase: Purchase, entry: LedgerEntry, item: Item) -> None:
        self.purchase = purchase
        self.entry = entry
        self.item = item
        self.unit_ids: list[int] = []
        self.units: tuple[str, ...] = (vault().open(purchase.content),) if purchase.kind == ItemKind.UNLIMITED else ()


async def _buy(conn: BaseDBAsyncClient, requests: Sequence[PurchaseRequest]) -> list[PurchaseResult]:
    results: dict[str, PurchaseResult] = {}
    fresh: list[PurchaseRequest] = []
    seen: set[str] = set()
    for request in requests:
        if request.key not in seen:
            seen.add(request.key)
            fresh.append(request)

    for purchase in await Purchase.filter(request_key__in=list(seen)).using_db(conn):
        results[purchase.request_key] = await redelivery(conn, purchase)
    fresh = [r for r in fresh if r.key not in results]

    # An id no column can hold (a forged button) names no item; the driver would refuse to send it.
    wanted = {r.item_id for r in fresh if 0 < r.item_id <= ID_MAX}
    # An item whose category was hidden is off sale like a hidden item: it is left out here.
    on_sale = Item.filter(in_shown_category(), id__in=wanted).using_db(conn).only(*SOLD)
    items = {item.id: item for item in await on_sale} if wanted else {}
    by_item: dict[int, list[PurchaseRequest]] = {}
    for request in fresh:
        by_item.setdefault(request.item_id, []).append(request)

    now = datetime.now(UTC)
    # Codes, then buyers, then items, each in id order: every batch takes its locks in the same order,
    # so two processes' batches that share codes, buyers or items wait for each other instead of
    # deadlocking (PostgreSQL; SQLite has one writer). Top-ups lock users only. The locks are
    # FOR NO KEY UPDATE: they do not block the key-share locks that inserting a row referencing a
    # user or item takes (a new review, a redemption), which plain FOR UPDATE would, in a cycle.
    gate = await DiscountGate.open(conn, [(r.promo_code, r.user_id) for r in fresh if r.promo_code], lock=True)
    buyers = sorted({r.user_id for r in fresh if _on_sale(r, items)})
    # The buyers' balances, read under their row locks: charges are decided here, written once below.
    balances: dict[int, Decimal] = (
        {
            user.id: user.balance
            for user in await User.filter(id__in=buyers)
            .using_db(conn)
            .select_for_update(no_key=True)
            .order_by("id")
            .only("id", "balance")
        }
        if buyers
        else {}
    )
    debits: dict[int, Decimal] = {}
    sales: list[_Sale] = []
    for item_id in sorted(by_item):
        group = by_item[item_id]
        item = items.get(item_id)
        if item is None or item.hidden:
            results.update({r.key: ItemUnavailable(item_id=item_id) for r in group})
            continue
        unique = item.kind == ItemKind.UNIQUE
        left = 0
        if unique:
            # The row lock queues other processes' batches for this item behind ours (PostgreSQL); the
            # stock is known before anyone is charged, so a sold-out buyer costs no debit and no refund.
            # (A values_list() query would drop FOR UPDATE: read a partial row instead.)
            locked = await Item.filter(id=item_id).using_db(conn).select_for_update(no_key=True).only("id", "stock_left").first()
            left = locked.stock_left if locked is not None else 0
        granted: list[_Sale] = []
        for request in group:
            if not 0 < request.quantity <= ID_MAX or (not unique and request.quantity != 1):
                results[request.key] = ItemUnavailable(item_id=item_id)
                continue
            subtotal = item.price * request.quantity
            promo: PromoDiscount | None = None
            if request.promo_code:
                checked = await gate.check(request.promo_code, request.user_id, item, subtotal, now)
                if isinstance(checked, PromoRefusal):
                    results[request.key] = PromoRejected(item_id=item_id, code=checked.code, reason=checked.reason)
                    continue
                promo = checked
            discount = promo.discount if promo is not None else Decimal(0)
            total = subtotal - discount
            if request.expected_total is not None and total != request.expected_total:
                results[request.key] = PriceChanged(item_id=item_id, price=item.price, total=total)
            elif unique and request.quantity > left:
                results[request.key] = SoldOut(item_id=item_id, stock_left=left)
            elif request.user_id in balances and balances[request.user_id] >= total:
                balances[request.user_id] -= total
                debits[request.user_id] = debits.get(request.user_id, Decimal(0)) + total
                sale = _sale(request, item, discount, total, now)
                if promo is not None:
                    gate.grant(promo, request.user_id, sale.purchase.id)
                granted.append(sale)
                if unique:
                    left -= request.quantity
            else:
                results[request.key] = InsufficientFunds(needed=total, balance=balances.get(request.user_id, Decimal(0)))
        if unique and granted:
            await _claim_units(conn, item_id, granted)
        sales += granted

    if sales:
        await _debit(conn, debits)
        await Purchase.bulk_create([sale.purchase for sale in sales], using_db=conn)
        await _mark_sold(conn, [sale for sale in sales if sale.unit_ids])
        await LedgerEntry.bulk_create([sale.entry for sale in sales], using_db=conn)
        await add_events(conn, purchase_events(sale.purchase for sale in sales))
        await gate.settle()
    for sale in sales:
        purchase, item = sale.purchase, sale.item
        is_file = purchase.kind == ItemKind.FILE
        results[purchase.request_key] = Delivered(
            purchase_id=str(purchase.id),
            item_id=item.id,
            item_title=purchase.item_title,
            kind=ItemKind(purchase.kind),
            quantity=purchase.quantity,
            units=sale.units,
            total=purchase.total,
            discount=purchase.discount,
            balance=balances[purchase.user_id],
            created_at=now,
            file_name=item.file_name if is_file else None,
            file_id=item.file_id if is_file else None,
        )
    return [results[r.key] for r in requests]


def _on_sale(request: PurchaseRequest, items: dict[int, Item]) -> bool:
    """Whether the request names an item on sale: only then is its buyer debited."""
    item = items.get(request.item_id)
    return item is not None and not item.hidden


def _sale(request: PurchaseRequest, item: Item, discount: Decimal, total: Decimal, now: datetime) -> _Sale:
    purchase = Purchase(
        id=uuid.uuid4(),
        request_key=request.key,
        user_id=request.user_id,
        item_id=item.id,
        item_title=item.title,
        kind=item.kind,
        content=item.content if item.kind == ItemKind.UNLIMITED else None,
        quantity=request.quantity,
        price=item.price,
        discount=discount,
        total=total,
        created_at=now,
    )
    # The reason is data, not a sentence: the ledger screen words it in the reader's language (the
    # discount is on the purchase).
    entry = LedgerEntry(
        user_id=request.user_id,
        amount=-total,
        kind=LedgerKind.PURCHASE,
        reason=item.title[:256],
        purchase_id=purchase.id,
        created_at=now,
    )
    return _Sale(purchase, entry, item)


async def _debit(conn: BaseDBAsyncClient, debits: dict[int, Decimal]) -> None:
    """Charge each buyer the sum of their purchases in the batch: one UPDATE per distinct amount."""
    by_amount: dict[Decimal, list[int]] = {}
    for user_id, amount in debits.items():
        by_amount.setdefault(amount, []).append(user_id)
    for amount, user_ids in by_amount.items():
        charged = await User.filter(id__in=user_ids, balance__gte=amount).using_db(conn).update(balance=F("balance") - amount)
        if charged != len(user_ids):
            raise BalanceOutOfStep(f"{len(user_ids) - charged} of {len(user_ids)} balances fell below {amount}")


# Unit ids per UPDATE: each id is sent twice (CASE and WHERE), and PostgreSQL takes at most 32,767
# parameters in one statement.
MARK_CHUNK = 4096


async def _mark_sold(conn: BaseDBAsyncClient, sales: list[_Sale]) -> None:
    """Mark every claimed unit sold to its purchase, re-checking none was sold meanwhile: one UPDATE
    for a whole batch unless it claims thousands of units."""
    chunk: list[_Sale] = []
    size = 0
    for sale in sales:
        if chunk and size + len(sale.unit_ids) > MARK_CHUNK:
            await _mark_chunk(conn, chunk)
            chunk, size = [], 0
        chunk.append(sale)
        size += len(sale.unit_ids)
    if chunk:
        await _mark_chunk(conn, chunk)


async def _mark_chunk(conn: BaseDBAsyncClient, sales: list[_Sale]) -> None:
    unit_ids = [unit_id for sale in sales for unit_id in sale.unit_ids]
    # When's annotation leaves out Expression, which it resolves like any other term.
    owner = Case(*(When(id__in=sale.unit_ids, then=_PurchaseId(conn, sale.purchase.id)) for sale in sales))  # type: ignore[arg-type]
    marked = await StockUnit.filter(id__in=unit_ids, sold=False).using_db(conn).update(sold=True, purchase_id=owner)
    if marked != len(unit_ids):
        raise StockOutOfStep(f"{len(unit_ids) - marked} of {len(unit_ids)} units were sold meanwhile")


class _PurchaseId(Expression):
    """A purchase id as an SQL value. Inside CASE no field converts it: asyncpg needs it typed as uuid
    (an untyped parameter there is taken as text), SQLite stores the text."""

    def __init__(self, conn: BaseDBAsyncClient, value: uuid.UUID) -> None:
        self.postgres = conn.capabilities.dialect == "postgres"
        self.value = value

    def resolve(self, resolve_context: ResolveContext) -> ResolveResult:
        if self.postgres:
            return ResolveResult(term=Cast(ValueWrapper(self.value), "uuid"))
        return ResolveResult(term=ValueWrapper(str(self.value)))


async def _claim_units(conn: BaseDBAsyncClient, item_id: int, granted: list[_Sale]) -> None:
    """Take the granted quantities off the counter and pick the units, lowest ids first."""
    taken = sum(sale.purchase.quantity for sale in granted)
    if not await Item.filter(id=item_id, stock_left__gte=taken).using_db(conn).update(stock_left=F("stock_left") - taken):
        raise StockOutOfStep(f"item {item_id}: stock counter below {taken}")
    units = [
        (unit.id, unit.content)
        for unit in await StockUnit.filter(item_id=item_id, sold=False)
        .using_db(conn)
        .order_by("id")
        .limit(taken)
        .select_for_update(skip_locked=True, no_key=True)
        .only("id", "content")
    ]
    if len(units) < taken:
        raise StockOutOfStep(f"item {item_id}: counter says {taken}, found {len(units)} units")
    sealer = vault()
    for sale in granted:
        mine, units = units[: sale.purchase.quantity], units[sale.purchase.quantity :]
        sale.unit_ids = [unit_id for unit_id, _ in mine]
        sale.units = tuple(sealer.open(content) for _, content in mine)


async def delivery_of(conn: BaseDBAsyncClient, purchase: Purchase, *, balance: Decimal, repeated: bool) -> Delivered:
    """The goods of a stored purchase: its units, the content it delivered, or the item's file (its
    name and kept file_id: the bytes are read only to upload them, see storage.item_files)."""
    units: tuple[str, ...] = ()
    file_name = file_id = None
    if purchase.kind == ItemKind.UNIQUE:
        sealer = vault()
        units = tuple(
            sealer.open(content)
            for content in cast(
                list[str],
                await StockUnit.filter(purchase_id=purchase.id).using_db(conn).order_by("id").values_list("content", flat=True),
            )
        )
    elif purchase.kind == ItemKind.UNLIMITED:
        units = (vault().open(purchase.content) if purchase.content else "",)
    else:
        item_id = purchase.item_id
        found = await Item.filter(id=item_id).using_db(conn).first().values_list("file_name", "file_id")
        if found is not None:
            file_name, file_id = found
    return Delivered(
        purchase_id=str(purchase.id),
        item_id=purchase.item_id,
        item_title=purchase.item_title,
        kind=ItemKind(purchase.kind),
        quantity=purchase.quantity,
        units=units,
        total=purchase.total,
        discount=purchase.discount,
        balance=balance,
        created_at=purchase.created_at,
        file_name=file_name,
        file_id=file_id,
        repeated=repeated,
    )


async def redelivery(conn: BaseDBAsyncClient, purchase: Purchase) -> Delivered:
    """A stored purchase's goods again, with its buyer's balance now: nothing is charged."""
    balance = cast(Decimal, await User.filter(id=purchase.user_id).using_db(conn).first().values_list("balance", flat=True))
    return await delivery_of(conn, purchase, balance=balance, repeated=True)
