"""Use cases about the catalog: categories (one level of subcategories), items of every kind, and
what buyers browse and search (stock units: storage/stock.py). Each function is one transaction (or one consistent set of reads).
"""

import re
from collections import Counter
from decimal import Decimal
from typing import Any, cast

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, RawSQL
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from storage.audit import write_event
from storage.errors import Duplicate, InvalidItem, NestingTooDeep, UnknownCategory
from storage.models import CENT, Category, Item, ItemKind, StockUnit
from storage.paging import page_count, paginate
from storage.records import CategoryPage, CategoryRecord, ItemCard, ItemRecord, NewItem, Page
from storage.vault import vault

# What lists and cards read of an item: never the delivered content or a file's bytes.
SHOWN = ("id", "category_id", "title", "description", "price", "kind", "stock_left", "photo", "rating_sum", "rating_count")
# What a sale reads of an item: what it shows, whether it is on sale, the content an unlimited purchase
# keeps, and the name and kept file_id of a file item's document. Never the document's bytes.
SOLD = (*SHOWN, "hidden", "content", "file_name", "file_id")
TITLE_MAX = 128
# Item and category ids are 32-bit columns: a larger number (a forged button) names no row, and the
# database drivers would refuse to send it.
ID_MAX = 2**31 - 1
FILE_MAX_BYTES = 50 * 1024 * 1024  # the most a bot may upload to Telegram
# A Telegram file_id, or an https URL Telegram fetches the picture from.
PHOTO_REF = re.compile(r"[A-Za-z0-9_-]{1,512}|https://\S{1,504}")


def item_record(item: Item) -> ItemRecord:
    unique = item.kind == ItemKind.UNIQUE
    return ItemRecord(
        id=item.id,
        category_id=item.category_id,
        title=item.title,
        description=item.description,
        price=item.price,
        kind=ItemKind(item.kind),
        stock_left=item.stock_left if unique else None,
        photo=item.photo,
        rating_count=item.rating_count,
        rating=(Decimal(item.rating_sum) / item.rating_count).quantize(Decimal("0.1")) if item.rating_count else None,
    )


async def add_category(name: str, parent: str | None = None, *, actor_id: int | None = None) -> CategoryRecord:
    """A new category, top level or under `parent` (by name). Subcategories go one level deep:
    a parent that is itself a subcategory is refused with NestingTooDeep. Audited with `actor_id`
    (None: an operator command)."""
    async with in_transaction() as conn:
        parent_id = None
        if parent is not None:
            above = await Category.filter(name=parent).using_db(conn).first().values("id", "parent_id")
            if above is None:
                raise UnknownCategory(parent)
            if above["parent_id"] is not None:
                raise NestingTooDeep(name, parent)
            parent_id = above["id"]
        try:
            category = await Category.create(name=name, parent_id=parent_id, using_db=conn)
        except IntegrityError:
            raise Duplicate("category", name) from None
        await write_event(conn, "category.create", actor_id=actor_id, target=str(category.id), detail=name)
    return CategoryRecord(id=category.id, name=category.name, item_count=0, parent_id=parent_id)


async def add_item(
    category: str,
    title: str,
    price: Decimal,
    description: str = "",
    *,
    kind: str = "unique",
    content: str = "",
    file_name: str | None = None,
    file_data: bytes | None = None,
    photo: str | None = None,
    hidden: bool = False,
    actor_id: int | None = None,
) -> ItemRecord:
    """A new item in the category named `category` (see NewItem for the kinds); InvalidItem when its
    fields do not fit together. Audited with `actor_id` (None: an operator command)."""
    new = NewItem(
        title=title,
        price=price,
        description=description,
        kind=kind,
        content=content,
        file_name=file_name,
        file_data=file_data,
        photo=photo,
        hidden=hidden,
    )
    async with in_transaction() as conn:
        item = new_item(await _category_id(category, conn), new)
        try:
            await item.save(using_db=conn)
        except IntegrityError:
            raise Duplicate("item", title) from None
        await write_event(conn, "item.create", actor_id=actor_id, target=str(item.id), detail=title)
    return item_record(item)


async def add_items(category: str, items: list[NewItem]) -> int:
    """Many new items in one category, all or none, in one transaction: for bulk imports (and for
    seeding large catalogs in tests and benchmarks). Returns how many were added."""
    counts = Counter(new.title for new in items)
    twice = next((title for title, n in counts.items() if n > 1), None)
    if twice is not None:
        raise Duplicate("item", twice)
    async with in_transaction() as conn:
        category_id = await _category_id(category, conn)
        rows = [new_item(category_id, new) for new in items]
        titles = list(counts)
        for start in range(0, len(titles), 500):
            chunk = titles[start : start + 500]
            taken = cast(str | None, await Item.filter(title__in=chunk).using_db(conn).first().values_list("title", flat=True))
            if taken is not None:
                raise Duplicate("item", taken)
        try:
            await Item.bulk_create(rows, batch_size=500, using_db=conn)
        except IntegrityError:
            raise Duplicate("item", "one of the titles") from None
    return len(rows)


async def _category_id(name: str, conn: Any) -> int:
    category_id = cast(int | None, await Category.filter(name=name).using_db(conn).first().values_list("id", flat=True))
    if category_id is None:
        raise UnknownCategory(name)
    return category_id


def new_item(category_id: int, new: NewItem) -> Item:
    """The item row for `new`, refusing fields that do not fit together (InvalidItem)."""
    title = new.title

    def refuse(reason: str) -> InvalidItem:
        return InvalidItem(title, reason)

    if not title.strip() or len(title) > TITLE_MAX:
        raise refuse(f"the title must be 1 to {TITLE_MAX} characters")
    if not new.price.is_finite() or new.price <= 0:
        raise refuse("the price must be positive")
    try:
        kind = ItemKind(new.kind)
    except ValueError:
        raise refuse(f"unknown kind {new.kind!r}: unique, unlimited or file") from None
    if kind is ItemKind.UNLIMITED and not new.content.strip():
        raise refuse("an unlimited item needs the content every buyer gets")
    if kind is not ItemKind.UNLIMITED and new.content:
        raise refuse("only unlimited items have content")
    if kind is ItemKind.FILE and (not new.file_name or not new.file_data):
        raise refuse("a file item needs a non-empty file with a name")
    if kind is not ItemKind.FILE and (new.file_name is not None or new.file_data is not None):
        raise refuse("only file items have a file")
    if new.file_name is not None and len(new.file_name) > TITLE_MAX:
        raise refuse(f"the file name must be at most {TITLE_MAX} characters")
    if new.file_data is not None and len(new.file_data) > FILE_MAX_BYTES:
        raise refuse("the file is over 50 MB, the most a bot can send")
    if new.photo is not None and not PHOTO_REF.fullmatch(new.photo):
        raise refuse("the photo must be a Telegram file_id or an https URL")
    return Item(
        category_id=category_id,
        title=title,
        # Casefolding can lengthen a title (ß → ss); the column keeps what fits.
        title_folded=title.casefold()[:TITLE_MAX],
        description=new.description,
        price=new.price.quantize(CENT),
        kind=kind,
        content=vault().seal(new.content) if new.content else "",
        file_name=new.file_name,
        file_data=vault().seal_bytes(new.file_data) if new.file_data is not None else None,
        photo=new.photo,
        hidden=new.hidden,
    )


async def list_categories() -> list[CategoryRecord]:
    """Every category, top level and sub, with its count of visible items, by name: for operator
    tools and tests (the buyer's screens page through `shop_page` and `category_page`)."""
    rows = (
        await Category.annotate(item_count=Count("items", _filter=Q(items__hidden=False)))
        .order_by("name")
        .values("id", "name", "item_count", "parent_id")
    )
    return [CategoryRecord(id=r["id"], name=r["name"], item_count=r["item_count"], parent_id=r["parent_id"]) for r in rows]


async def list_items(category_id: int) -> list[ItemRecord]:
    """Every visible item of a category, by title: for operator tools and tests (buyers page through
    `category_page`)."""
    items = await Item.filter(category_id=category_id, hidden=False).only(*SHOWN).order_by("title")
    return [item_record(item) for item in items]


# --- what buyers browse ------------------------------------------------------------------------------
# A list costs a COUNT and one LIMIT/OFFSET read; what a row shows (its counts) comes from correlated
# subqueries in that read, each an index seek or range on items(category_id, hidden, title) or
# categories(parent_id, name), so a category of 10,000 items costs what one of ten does. "hidden" is
# compared with FALSE (rather than NOT hidden) so that the index serves it on both backends.


def _visible_here(table: str) -> str:
    """SQL condition: the category row `table` is not hidden and holds a visible item itself."""
    return (
        f'{table}."hidden" = FALSE AND'
        f' EXISTS (SELECT 1 FROM "items" vh WHERE vh."category_id" = {table}."id" AND vh."hidden" = FALSE)'
    )


def _visible_anywhere(table: str) -> str:
    """SQL condition: the category row `table` is not hidden and holds a visible item itself or in a
    subcategory that is not hidden."""
    below = (
        'EXISTS (SELECT 1 FROM "items" vb JOIN "categories" vc ON vc."id" = vb."category_id"'
        f' WHERE vc."parent_id" = {table}."id" AND vc."hidden" = FALSE AND vb."hidden" = FALSE)'
    )
    return f'({_visible_here(table)} OR ({table}."hidden" = FALSE AND {below}))'


def _shown_category() -> Q:
    """A category that is not hidden, nor under a hidden one."""
    return Q(hidden=False) & (Q(parent_id=None) | Q(parent__hidden=False))


def in_shown_category() -> Q:
    """An item whose category is shown (see _shown_category)."""
    return Q(category__hidden=False) & (Q(category__parent_id=None) | Q(category__parent__hidden=False))


def _flag(condition: str) -> RawSQL:
    return RawSQL(f"CASE WHEN {condition} THEN 1 ELSE 0 END")


def _direct_count() -> RawSQL:
    return RawSQL('(SELECT COUNT(*) FROM "items" dc WHERE dc."category_id" = "categories"."id" AND dc."hidden" = FALSE)')


def _nested_count() -> RawSQL:
    return RawSQL(
        '(SELECT COUNT(*) FROM "items" nc JOIN "categories" ns ON ns."id" = nc."category_id"'
        ' WHERE ns."parent_id" = "categories"."id" AND ns."hidden" = FALSE AND nc."hidden" = FALSE)'
    )


def _category_record(row: Category) -> CategoryRecord:
    return CategoryRecord(
        id=row.id,
        name=row.name,
        item_count=row.item_count,  # type: ignore[attr-defined]  # annotated by the query (_direct_count)
        parent_id=row.parent_id,
        nested_count=getattr(row, "nested_count", 0),
    )


async def shop_page(page: int = 1, size: int = 8) -> Page[CategoryRecord]:
    """The shop's top level: categories with something visible in them or their subcategories, by name."""
    query = (
        Category.filter(parent_id=None)
        .annotate(visible=_flag(_visible_anywhere('"categories"')))
        .filter(visible=1)
        .annotate(item_count=_direct_count(), nested_count=_nested_count())
        .order_by("name")
    )
    return await paginate(query, page, size, _category_record)


async def category_page(category_id: int, page: int = 1, size: int = 8) -> CategoryPage | None:
    """One page of a category's screen: its visible subcategories by name, then its visible items by
    title, as one list; a page past the end shows the last. None for an unknown category.

    Cost: one read of the category with its counts and its place in the list above (the COUNT), then
    the page's rows (two reads only on the page where subcategories give way to items).
    """
    if not 0 < category_id <= ID_MAX:
        return None
    before = (
        '(SELECT COUNT(*) FROM "categories" sb WHERE sb."name" < "categories"."name"'
        ' AND (sb."parent_id" = "categories"."parent_id" OR (sb."parent_id" IS NULL AND "categories"."parent_id" IS NULL))'
        f" AND {_visible_anywhere('sb')})"
    )
    subcategories = f'(SELECT COUNT(*) FROM "categories" sc WHERE sc."parent_id" = "categories"."id" AND {_visible_here("sc")})'
    head = cast(
        dict[str, Any] | None,
        await Category.filter(_shown_category(), id=category_id)
        .annotate(item_count=_direct_count(), subcategories=RawSQL(subcategories), before=RawSQL(before))
        .first()
        .values("id", "name", "parent_id", "parent__name", "item_count", "subcategories", "before"),
    )
    if head is None:
        return None
    category = CategoryRecord(id=head["id"], name=head["name"], item_count=head["item_count"], parent_id=head["parent_id"])
    n_subs, n_items = head["subcategories"], head["item_count"]
    pages = page_count(n_subs + n_items, size)
    number = min(max(page, 1), pages)
    start = (number - 1) * size
    sub_slots = min(size, max(0, n_subs - start))
    rows: list[CategoryRecord | ItemRecord] = []
    if sub_slots:
        subs = (
            Category.filter(parent_id=category_id)
            .annotate(visible=_flag(_visible_here('"categories"')))
            .filter(visible=1)
            .annotate(item_count=_direct_count())
            .order_by("name")
        )
        rows.extend(_category_record(row) for row in await subs.offset(start).limit(sub_slots))
    if sub_slots < size and n_items:
        items = Item.filter(category_id=category_id, hidden=False).only(*SHOWN).order_by("title")
        found = await items.offset(max(0, start - n_subs)).limit(size - sub_slots)
        rows.extend(item_record(item) for item in found)
    return CategoryPage(
        category=category,
        parent_name=head["parent__name"],
        entries=Page(rows=rows, number=number, pages=pages, total=n_subs + n_items),
        subcategory_count=n_subs,
        back_page=head["before"] // size + 1,
    )


async def item_card(item_id: int, page_size: int = 8) -> ItemCard | None:
    """A visible item and the page of its category's screen that lists it; None when unknown or hidden
    (itself, or its category)."""
    before = (
        '(SELECT COUNT(*) FROM "items" ib WHERE ib."category_id" = "items"."category_id"'
        ' AND ib."hidden" = FALSE AND ib."title" < "items"."title")'
    )
    subcategories = (
        f'(SELECT COUNT(*) FROM "categories" sc WHERE sc."parent_id" = "items"."category_id" AND {_visible_here("sc")})'
    )
    if not 0 < item_id <= ID_MAX:
        return None
    item = (
        await Item.filter(in_shown_category(), id=item_id, hidden=False)
        .only(*SHOWN)
        .annotate(before=RawSQL(before), subcategories=RawSQL(subcategories))
        .first()
    )
    if item is None:
        return None
    place = item.subcategories + item.before  # type: ignore[attr-defined]  # annotated by the query above
    return ItemCard(item=item_record(item), category_page=place // page_size + 1)


async def search_items(text: str, page: int = 1, size: int = 8) -> Page[ItemRecord]:
    """Visible items whose title contains `text`, case-insensitively in every script (both sides are
    casefolded), by title. `%` and `_` match themselves: Tortoise's `contains` escapes them."""
    query = Item.filter(in_shown_category(), hidden=False, title_folded__contains=text.casefold()).only(*SHOWN).order_by("title")
    return await paginate(query, page, size, item_record)


async def get_item(item_id: int) -> ItemRecord | None:
    """A visible item, or None for an unknown or hidden one (itself, or its category)."""
    if not 0 < item_id <= ID_MAX:
        return None
    item = await Item.filter(in_shown_category(), id=item_id, hidden=False).only(*SHOWN).first()
    return None if item is None else item_record(item)


DEMO_CATALOG = {
    "Game keys": [
        ("Starfall Odyssey", "10.00", "Steam key, global activation.", 25),
        ("Pixel Racers", "4.50", "Steam key, region free.", 10),
    ],
    "Software licences": [
        ("Notepad Pro", "15.00", "Lifetime licence for one device.", 5),
    ],
}


async def seed_demo_catalog() -> bool:
    """Fill an empty shop with a small demo catalog; returns False when the shop already has one."""
    async with in_transaction() as conn:
        if await Category.all().using_db(conn).exists():
            return False
        for category_name, items in DEMO_CATALOG.items():
            category = await Category.create(name=category_name, using_db=conn)
            for title, price, description, units in items:
                item = await Item.create(
                    category=category,
                    title=title,
                    title_folded=title.casefold(),
                    price=Decimal(price),
                    description=description,
                    stock_left=units,
                    using_db=conn,
                )
                slug = "".join(word[:3].upper() for word in title.split())
                await StockUnit.bulk_create(
                    [vault().unit(item.id, f"{slug}-DEMO-{n:04d}") for n in range(1, units + 1)],
                    using_db=conn,
                )
    return True
