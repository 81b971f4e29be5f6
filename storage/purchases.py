"""The purchase use case: many requests, one transaction (a group commit).

Correctness rests on the database, not on the caller: the balance is debited by a conditional update
(`balance >= total`), the item's stock counter is decremented by a conditional update under its row
lock, units are claimed with `FOR UPDATE SKIP LOCKED` (a no-op on SQLite, whose single writer gives the
same guarantee) and re-checked by a conditional update, and the request key is unique. Two processes on
one PostgreSQL therefore never sell a unit twice, and a replayed request never buys twice.

The cost of a purchase does not depend on the stock left: the next unit is an index seek on
(item_id, sold, id) and the count is a column, not a COUNT(*).
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from storage.errors import StorageError
from storage.models import Item, ItemKind, LedgerEntry, LedgerKind, Purchase, StockUnit, User
from storage.records import (
    Delivered,
    InsufficientFunds,
    ItemUnavailable,
    PurchaseRequest,
    PurchaseResult,
    SoldOut,
)


class StockOutOfStep(StorageError):
    """The stock counter promised units that are not there: the batch is rolled back."""


async def buy(requests: Sequence[PurchaseRequest]) -> list[PurchaseResult]:
    """Run every request in one transaction; results are in request order.

    Each request either delivers its units (debit, units, purchase and ledger rows all written) or
    returns SoldOut / InsufficientFunds / ItemUnavailable with nothing changed for that buyer.
    """
    async with in_transaction() as conn:
        return await _buy(conn, requests)


async def _buy(conn: BaseDBAsyncClient, requests: Sequence[PurchaseRequest]) -> list[PurchaseResult]:
    results: dict[str, PurchaseResult] = {}
    fresh: list[PurchaseRequest] = []
    seen: set[str] = set()
    for request in requests:
        if request.key not in seen:
            seen.add(request.key)
            fresh.append(request)

    for purchase in await Purchase.filter(request_key__in=list(seen)).using_db(conn):
        results[purchase.request_key] = await _redelivery(conn, purchase)
    fresh = [r for r in fresh if r.key not in results]

    items = {item.id: item for item in await Item.filter(id__in={r.item_id for r in fresh}).using_db(conn)}
    by_item: dict[int, list[PurchaseRequest]] = {}
    for request in fresh:
        by_item.setdefault(request.item_id, []).append(request)

    now = datetime.now(UTC)
    purchases: list[Purchase] = []
    entries: list[LedgerEntry] = []
    claims: list[tuple[Purchase, list[int], list[str]]] = []
    debited: set[int] = set()
    # Items in id order: two processes' batches lock their items in the same order, so they cannot
    # deadlock each other on PostgreSQL.
    for item_id in sorted(by_item):
        group = by_item[item_id]
        item = items.get(item_id)
        if item is None or item.hidden:
            results.update({r.key: ItemUnavailable(item_id=item_id) for r in group})
            continue
        # The row lock queues other processes' batches for this item behind ours (PostgreSQL); the
        # stock is known before anyone is charged, so a sold-out buyer costs no debit and no refund.
        left = await Item.filter(id=item_id).using_db(conn).select_for_update().first().values_list("stock_left", flat=True)
        granted: list[PurchaseRequest] = []
        for request in group:
            total = item.price * request.quantity
            if request.quantity < 1:
                results[request.key] = ItemUnavailable(item_id=item_id)
            elif request.quantity > left:
                results[request.key] = SoldOut(item_id=item_id, stock_left=left)
            elif await User.filter(id=request.user_id, balance__gte=total).using_db(conn).update(
                balance=F("balance") - total
            ):
                granted.append(request)
                debited.add(request.user_id)
                left -= request.quantity
            else:
                balance = await User.filter(id=request.user_id).using_db(conn).first().values_list("balance", flat=True)
                results[request.key] = InsufficientFunds(needed=total, balance=balance or Decimal(0))
        if not granted:
            continue
        taken = sum(r.quantity for r in granted)
        if not await Item.filter(id=item_id, stock_left__gte=taken).using_db(conn).update(
            stock_left=F("stock_left") - taken
        ):
            raise StockOutOfStep(f"item {item_id}: stock counter below {taken}")
        units = (
            await StockUnit.filter(item_id=item_id, sold=False)
            .using_db(conn)
            .order_by("id")
            .limit(taken)
            .select_for_update(skip_locked=True)
            .values_list("id", "content")
        )
        if len(units) < taken:
            raise StockOutOfStep(f"item {item_id}: counter says {taken}, found {len(units)} units")
        for request in granted:
            mine, units = units[: request.quantity], units[request.quantity :]
            total = item.price * request.quantity
            purchase = Purchase(
                id=uuid.uuid4(), request_key=request.key, user_id=request.user_id, item_id=item_id,
                item_title=item.title, kind=item.kind, quantity=request.quantity, price=item.price, total=total,
                created_at=now,
            )
            purchases.append(purchase)
            entries.append(
                LedgerEntry(
                    user_id=request.user_id, amount=-total, kind=LedgerKind.PURCHASE, reason=item.title[:256],
                    purchase_id=purchase.id, created_at=now,
                )
            )
            claims.append((purchase, [unit_id for unit_id, _ in mine], [content for _, content in mine]))

    if purchases:
        await Purchase.bulk_create(purchases, using_db=conn)
        for purchase, unit_ids, _ in claims:
            claimed = await StockUnit.filter(id__in=unit_ids, sold=False).using_db(conn).update(
                sold=True, purchase_id=purchase.id
            )
            if claimed != len(unit_ids):
                raise StockOutOfStep(f"unit of purchase {purchase.id} was sold meanwhile")
        await LedgerEntry.bulk_create(entries, using_db=conn)

    balances = dict(await User.filter(id__in=debited).using_db(conn).values_list("id", "balance")) if debited else {}
    for purchase, _, contents in claims:
        results[purchase.request_key] = Delivered(
            purchase_id=str(purchase.id), item_id=purchase.item_id, item_title=purchase.item_title,  # type: ignore[attr-defined]
            kind=str(purchase.kind), quantity=purchase.quantity, units=tuple(contents), total=purchase.total,
            discount=purchase.discount, balance=balances[purchase.user_id], created_at=now,  # type: ignore[attr-defined]
        )
    return [results[r.key] for r in requests]


async def delivery_of(conn: BaseDBAsyncClient, purchase: Purchase, *, balance: Decimal, repeated: bool) -> Delivered:
    """The goods of a stored purchase: its units, the content it delivered, or the item's file."""
    units: tuple[str, ...] = ()
    file_name = file_data = None
    if purchase.kind == ItemKind.UNIQUE:
        units = tuple(
            await StockUnit.filter(purchase_id=purchase.id).using_db(conn).order_by("id").values_list("content", flat=True)
        )
    elif purchase.kind == ItemKind.UNLIMITED:
        units = (purchase.content or "",)
    else:
        found = await Item.filter(id=purchase.item_id).using_db(conn).first().values_list("file_name", "file_data")  # type: ignore[attr-defined]
        if found is not None:
            file_name, file_data = found[0], bytes(found[1]) if found[1] is not None else None
    return Delivered(
        purchase_id=str(purchase.id), item_id=purchase.item_id, item_title=purchase.item_title,  # type: ignore[attr-defined]
        kind=str(purchase.kind), quantity=purchase.quantity, units=units, total=purchase.total,
        discount=purchase.discount, balance=balance, created_at=purchase.created_at,
        file_name=file_name, file_data=file_data, repeated=repeated,
    )


async def _redelivery(conn: BaseDBAsyncClient, purchase: Purchase) -> Delivered:
    balance = await User.filter(id=purchase.user_id).using_db(conn).first().values_list("balance", flat=True)  # type: ignore[attr-defined]
    return await delivery_of(conn, purchase, balance=balance, repeated=True)
