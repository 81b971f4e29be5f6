"""Use cases about the stock units of "unique" items: importing many lines at once (duplicates
skipped and counted), listing the unsold units, removing one.

A line is a duplicate when it equals a unit the item already has, sold or not, or an earlier line of
the same import. An import's first statement is a no-op update of the item's row: SQLite's write lock,
a row lock on PostgreSQL. So two imports of one item take turns, and the second one's duplicate lookup
sees the units the first committed: no content is stocked twice.

`Item.stock_left` is kept in step with the count of unsold units in the same transaction as every
change to them.
"""

from typing import NamedTuple, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F, Q, Subquery
from tortoise.transactions import in_transaction

from storage.audit import write_event
from storage.catalog import ID_MAX
from storage.errors import NotStockable, UnknownItem
from storage.models import Item, ItemKind, StockUnit
from storage.paging import paginate
from storage.records import Page, StockImport, StockUnitRecord
from storage.vault import vault

# Contents per duplicate lookup (`content IN (…)`): well under both drivers' parameter limits.
LOOKUP_CHUNK = 1000
# Units per INSERT statement (five parameters each).
INSERT_BATCH = 1000
# Stock unit ids are 64-bit columns: a larger number (a forged button) names no row.
UNIT_ID_MAX = 2**63 - 1


class Lines(NamedTuple):
    """Import lines stripped and told apart: the distinct contents in their first order, how many
    non-blank lines repeated an earlier one, and how many were blank."""

    contents: list[str]
    repeated: int
    empty: int


def distinct_lines(lines: list[str]) -> Lines:
    # strip() also takes the "\r" a CRLF file leaves when split on "\n".
    stripped = [line.strip() for line in lines]
    filled = [line for line in stripped if line]
    contents = list(dict.fromkeys(filled))
    return Lines(contents=contents, repeated=len(filled) - len(contents), empty=len(stripped) - len(filled))


async def units_present(conn: BaseDBAsyncClient, item_id: int, contents: list[str]) -> set[str]:
    """Which of `contents` the item already has as units, sold or not: found by fingerprint through the
    (item, fingerprint) index, no unit opened."""
    sealer = vault()
    by_print = {sealer.fingerprint(content): content for content in contents}
    prints = list(by_print)
    present: set[str] = set()
    for start in range(0, len(prints), LOOKUP_CHUNK):
        chunk = prints[start : start + LOOKUP_CHUNK]
        found = (
            await StockUnit.filter(item_id=item_id, fingerprint__in=chunk).using_db(conn).values_list("fingerprint", flat=True)
        )
        present.update(by_print[fingerprint] for fingerprint in cast(list[str], found))
    return present


async def import_stock(item_id: int, lines: list[str], *, actor_id: int | None = None) -> StockImport:
    """Add one unit per line to a "unique" item, lines stripped, blank and duplicate lines skipped and
    counted, with its "stock.add" audit event by `actor_id` (None: the operator) in the same transaction.
    UnknownItem for an unknown or deleted item, NotStockable for another kind.

    Cost: a few statements per 1,000 lines; each duplicate lookup reads the item's units through the
    (item, sold, id) index, so a very large stock makes lookups slower, not wrong.
    """
    if not 0 < item_id <= ID_MAX:
        raise UnknownItem(str(item_id))
    async with in_transaction() as conn:
        done = (await _stock(conn, Q(id=item_id), str(item_id), lines))[1]
        await write_event(
            conn, "stock.add", actor_id=actor_id, target=str(item_id), detail=f"{done.added} added, {done.duplicates} duplicates"
        )
    return done


async def add_stock(item_title: str, contents: list[str], *, actor_id: int | None = None) -> StockImport:
    """import_stock for the item titled `item_title` (the operator's `catalog add-stock`), with its
    "stock.add" audit event by `actor_id` (None: the operator) in the same transaction."""
    async with in_transaction() as conn:
        item_id, done = await _stock(conn, Q(title=item_title), item_title, contents)
        await write_event(
            conn, "stock.add", actor_id=actor_id, target=str(item_id), detail=f"{done.added} added, {done.duplicates} duplicates"
        )
    return done


async def _stock(conn: BaseDBAsyncClient, which: Q, name: str, lines: list[str]) -> tuple[int, StockImport]:
    """The item's id, and what adding `lines` to its units did."""
    split = distinct_lines(lines)
    # The lock comes first, before any read (see the module docstring).
    if not await Item.filter(which, kind=ItemKind.UNIQUE, deleted_at=None).using_db(conn).update(stock_left=F("stock_left")):
        found = await Item.filter(which, deleted_at=None).using_db(conn).first().values_list("title", "kind")
        if found is None:
            raise UnknownItem(name)
        raise NotStockable(found[0], str(found[1]))
    item_id, stock_left = await Item.filter(which).using_db(conn).get().values_list("id", "stock_left")
    present = await units_present(conn, item_id, split.contents)
    new = [content for content in split.contents if content not in present]
    if new:
        sealer = vault()
        await StockUnit.bulk_create([sealer.unit(item_id, c) for c in new], batch_size=INSERT_BATCH, using_db=conn)
        await Item.filter(id=item_id).using_db(conn).update(stock_left=F("stock_left") + len(new))
    return item_id, StockImport(
        added=len(new), duplicates=split.repeated + len(present), empty=split.empty, stock_left=stock_left + len(new)
    )


def _unit_record(unit: StockUnit) -> StockUnitRecord:
    return StockUnitRecord(id=unit.id, content=vault().open(unit.content), created_at=unit.created_at)


async def unsold_units(item_id: int, page: int = 1, size: int = 8) -> Page[StockUnitRecord]:
    """A page of the item's unsold units, oldest first (an index range on (item, sold, id))."""
    query = StockUnit.filter(item_id=item_id if 0 < item_id <= ID_MAX else 0, sold=False).order_by("id")
    return await paginate(query.only("id", "content", "created_at"), page, size, _unit_record)


class _SoldMeanwhile(Exception):
    """Leaves remove_unit's transaction, rolling back its counter update."""


async def remove_unit(unit_id: int, *, actor_id: int | None = None) -> bool:
    """Delete an unsold unit and take it off its item's counter, with its "stock.remove" audit event by
    `actor_id` (None: the operator) in the same transaction; False when the unit does not exist or is
    sold (a sold unit is part of a purchase and is never deleted).

    The counter update comes first, naming the item through the unit, for the lock (SQLite's write
    lock; on PostgreSQL the item's row, which a purchase holds from taking units off the counter to
    marking them sold). The delete then re-checks `sold`: a purchase that took the unit meanwhile
    has committed by then, and the counter update is rolled back.
    """
    if not 0 < unit_id <= UNIT_ID_MAX:
        return False
    owner = Subquery(StockUnit.filter(id=unit_id, sold=False).values("item_id"))
    try:
        async with in_transaction() as conn:
            if not await Item.filter(id__in=owner, stock_left__gte=1).using_db(conn).update(stock_left=F("stock_left") - 1):
                return False
            item_id = cast(int, await StockUnit.filter(id=unit_id).using_db(conn).first().values_list("item_id", flat=True))
            if not await StockUnit.filter(id=unit_id, sold=False).using_db(conn).delete():
                raise _SoldMeanwhile
            await write_event(conn, "stock.remove", actor_id=actor_id, target=str(item_id), detail=str(unit_id))
    except _SoldMeanwhile:
        return False
    return True
