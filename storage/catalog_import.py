"""The catalog import: categories, items and their stock from the rows of one spreadsheet, in one
transaction (all or nothing).

Each row names an item by `title` and is either
- a definition: `category` and `price` given, with `subcategory`, `kind` ("unique", the default, or
  "unlimited"), `description` and, for an unlimited item, `content` (what every buyer gets). The item is
  created when the shop has none by that title, its category and subcategory too when missing. An item
  the shop already has is left as it is. Several rows may define one title (one row per unit, say) as
  long as they agree; or
- a unit row: only `title` and `unit` given.
A non-empty `unit` adds one stock unit to a unique item; units the item already has, or repeated in the
rows, are skipped and counted (as in storage/stock.py).

Error handling: a wrong row raises CatalogRowRejected with its line and the column at fault; the rows
are checked before anything is written, and what needs the shop's data is checked before the first
insert, so nothing is changed.
"""

from collections.abc import Callable, Iterator
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from storage.audit import write_event
from storage.catalog import TITLE_MAX, new_item
from storage.catalog_admin import NAME_MAX
from storage.errors import CatalogRowRejected
from storage.models import CENT, Category, Item, ItemKind, StockUnit
from storage.records import CatalogImport, CatalogRow, NewItem
from storage.stock import INSERT_BATCH, LOOKUP_CHUNK, distinct_lines, units_present
from storage.vault import vault

# The columns whose value makes a row a definition, in the order errors name them.
DEFINING = ("category", "subcategory", "price", "kind", "description", "content")
KINDS = (ItemKind.UNIQUE, ItemKind.UNLIMITED)
Reject = Callable[[str, str], CatalogRowRejected]
# Money columns hold 18 digits, two of them after the point.
PRICE_LIMIT = Decimal("1e16")


def _chunks(names: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(names), LOOKUP_CHUNK):
        yield names[start : start + LOOKUP_CHUNK]


class _Rows:
    """The rows checked on their own: one definition per title, units per title, where each name is
    first met (for errors that need the shop's data)."""

    def __init__(self, rows: list[CatalogRow]) -> None:
        self.definitions: dict[str, CatalogRow] = {}
        self.units: dict[str, list[str]] = {}
        self.unit_line: dict[str, int] = {}
        self.first_line: dict[str, int] = {}
        # A category name's parent (None: top level) and the line that said so.
        self.parents: dict[str, tuple[str | None, int]] = {}
        for row in rows:
            self._check(row)

    def _check(self, row: CatalogRow) -> None:
        def reject(column: str, reason: str) -> CatalogRowRejected:
            return CatalogRowRejected(row.line, column, reason)

        title = row.title
        if not title:
            raise reject("title", "required on every row")
        if len(title) > TITLE_MAX:
            raise reject("title", f"at most {TITLE_MAX} characters")
        self.first_line.setdefault(title, row.line)
        if any(getattr(row, column) not in ("", None) for column in DEFINING):
            self._define(row, reject)
        if row.unit:
            self.units.setdefault(title, []).append(row.unit)
            self.unit_line.setdefault(title, row.line)

    def _define(self, row: CatalogRow, reject: Reject) -> None:
        required = f"required to define {row.title!r} (a row with only title and unit adds a unit)"
        if not row.category:
            raise reject("category", required)
        price = row.price
        if price is None:
            raise reject("price", required)
        if not price.is_finite() or price <= 0:
            raise reject("price", f"must be a positive amount, got {price}")
        if price != price.quantize(CENT):
            raise reject("price", f"at most two decimal places, got {price}")
        if price >= PRICE_LIMIT:
            raise reject("price", f"too large, got {price}")
        for column in ("category", "subcategory"):
            if len(getattr(row, column)) > NAME_MAX:
                raise reject(column, f"at most {NAME_MAX} characters")
        if row.subcategory == row.category:
            raise reject("subcategory", "must differ from category (leave it empty for none)")
        kind = row.kind or ItemKind.UNIQUE
        if kind == ItemKind.FILE:
            raise reject("kind", "a file item carries a document: create it with `catalog add-item --kind file`")
        if kind not in KINDS:
            raise reject("kind", f"unknown kind {row.kind!r}: unique or unlimited")
        if kind == ItemKind.UNLIMITED and not row.content:
            raise reject("content", "an unlimited item needs the content every buyer gets")
        if kind == ItemKind.UNIQUE and row.content:
            raise reject("content", "only unlimited items have content (a unique item's stock goes in unit)")
        self._place(row.category, None, row.line, "category", reject)
        if row.subcategory:
            self._place(row.subcategory, row.category, row.line, "subcategory", reject)
        normal = CatalogRow(
            line=row.line,
            title=row.title,
            category=row.category,
            subcategory=row.subcategory,
            price=price,
            kind=str(kind),
            description=row.description,
            content=row.content,
        )
        first = self.definitions.setdefault(row.title, normal)
        for column in DEFINING:
            if getattr(first, column) != getattr(normal, column):
                raise reject(column, f"{row.title!r} is defined with another {column} on line {first.line}")

    def _place(self, name: str, parent: str | None, line: int, column: str, reject: Reject) -> None:
        known, where = self.parents.setdefault(name, (parent, line))
        if known != parent:
            place = "a top-level category" if known is None else f"under {known!r}"
            raise reject(column, f"{name!r} is {place} on line {where}")

    def kind_of(self, title: str) -> str | None:
        row = self.definitions.get(title)
        return None if row is None else row.kind


async def import_catalog(rows: list[CatalogRow], *, actor_id: int | None = None) -> CatalogImport:
    """Create the categories and items the rows define and add their units, all or nothing (see the
    module docstring), with a "catalog.import" audit event by `actor_id` (None: the operator) in the
    same transaction; CatalogRowRejected names the first wrong row.

    The first statement is a no-op update of every item the rows name that exists: SQLite's write
    lock, and on PostgreSQL row locks that make a stock import of those items wait (storage/stock.py).
    """
    checked = _Rows(rows)
    titles = list(checked.first_line)
    if not titles:
        return CatalogImport(categories_created=0, items_created=0, units_added=0, duplicates=0)
    async with in_transaction() as conn:
        existing: dict[str, tuple[int, str]] = {}
        for chunk in _chunks(titles):
            await Item.filter(title__in=chunk).using_db(conn).update(stock_left=F("stock_left"))
            for title, item_id, kind in await Item.filter(title__in=chunk).using_db(conn).values_list("title", "id", "kind"):
                existing[title] = (item_id, str(kind))
        _check_titles(checked, existing)
        to_create = [row for title, row in checked.definitions.items() if title not in existing]
        category_ids, categories_created = await _categories(conn, to_create)

        sealer = vault()
        units: list[StockUnit] = []
        duplicates = 0
        items: list[Item] = []
        for row in to_create:
            item = new_item(
                category_ids[row.subcategory or row.category],
                NewItem(
                    title=row.title,
                    price=row.price or Decimal(0),
                    description=row.description,
                    kind=row.kind,
                    content=row.content,
                ),
            )
            split = distinct_lines(checked.units.get(row.title, []))
            item.stock_left = len(split.contents)
            duplicates += split.repeated
            items.append(item)
        await Item.bulk_create(items, batch_size=500, using_db=conn)
        created = {row.title for row in to_create if row.title in checked.units}
        for chunk in _chunks(sorted(created)):
            for title, item_id in await Item.filter(title__in=chunk).using_db(conn).values_list("title", "id"):
                units += [sealer.unit(item_id, c) for c in distinct_lines(checked.units[title]).contents]

        for title, lines in checked.units.items():
            if title not in existing:
                continue
            item_id = existing[title][0]
            split = distinct_lines(lines)
            present = await units_present(conn, item_id, split.contents)
            new = [content for content in split.contents if content not in present]
            duplicates += split.repeated + len(present)
            if new:
                units += [sealer.unit(item_id, c) for c in new]
                await Item.filter(id=item_id).using_db(conn).update(stock_left=F("stock_left") + len(new))
        await StockUnit.bulk_create(units, batch_size=INSERT_BATCH, using_db=conn)
        done = CatalogImport(
            categories_created=categories_created, items_created=len(items), units_added=len(units), duplicates=duplicates
        )
        await write_event(
            conn,
            "catalog.import",
            actor_id=actor_id,
            target=f"{len(titles)} titles",
            detail=f"{done.categories_created} categories created, {done.items_created} items created, "
            f"{done.units_added} units added, {done.duplicates} duplicates",
        )
    return done


def _check_titles(checked: _Rows, existing: dict[str, tuple[int, str]]) -> None:
    """Every title names an item of the shop or of the rows; units go to unique items only."""
    for title, line in checked.first_line.items():
        if title not in existing and title not in checked.definitions:
            raise CatalogRowRejected(line, "title", f"no item {title!r} in the shop, and no row defines it (category, price)")
    for title, line in checked.unit_line.items():
        kind = existing[title][1] if title in existing else checked.kind_of(title)
        if kind != ItemKind.UNIQUE:
            raise CatalogRowRejected(line, "unit", f"{title!r} is of kind {kind!r}: only unique items take units")


async def _categories(conn: BaseDBAsyncClient, rows: list[CatalogRow]) -> tuple[dict[str, int], int]:
    """The ids of the categories and subcategories the new items go in, by name, created where
    missing; how many were created. A name the shop has must have the same place as in the rows."""
    names = list(dict.fromkeys(name for row in rows for name in (row.category, row.subcategory) if name))
    found: dict[str, tuple[int, str | None]] = {}
    for chunk in _chunks(names):
        for name, category_id, parent in (
            await Category.filter(name__in=chunk).using_db(conn).values_list("name", "id", "parent__name")
        ):
            found[name] = (category_id, parent)
    for row in rows:
        if row.category in found and found[row.category][1] is not None:
            reason = (
                f"{row.category!r} is a subcategory under {found[row.category][1]!r} in the shop: "
                "name that in category and it in subcategory"
            )
            raise CatalogRowRejected(row.line, "category", reason)
        if row.subcategory in found and found[row.subcategory][1] != row.category:
            parent = found[row.subcategory][1]
            place = "a top-level category" if parent is None else f"under {parent!r}"
            raise CatalogRowRejected(row.line, "subcategory", f"{row.subcategory!r} is {place} in the shop")
    ids = {name: category_id for name, (category_id, _) in found.items()}
    created = 0
    for top_level in (True, False):
        for row in rows:
            name, parent = (row.category, None) if top_level else (row.subcategory, row.category)
            if name and name not in ids:
                category = await Category.create(name=name, parent_id=ids[parent] if parent else None, using_db=conn)
                ids[name] = category.id
                created += 1
    return ids, created
