"""Use cases about the catalog: categories, items, stock. Each function is one transaction."""

from decimal import Decimal

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from storage.errors import Duplicate, UnknownCategory, UnknownItem
from storage.models import Category, Item, ItemKind, StockUnit
from storage.models import User
from storage.records import CategoryPage, CategoryRecord, ItemRecord, PurchasePreview

CENT = Decimal("0.01")


def item_record(item: Item) -> ItemRecord:
    unique = item.kind == ItemKind.UNIQUE
    return ItemRecord(
        id=item.id,
        category_id=item.category_id,  # type: ignore[attr-defined]
        title=item.title,
        description=item.description,
        price=item.price,
        kind=str(item.kind),
        stock_left=item.stock_left if unique else None,
        photo=item.photo,
        rating_count=item.rating_count,
        rating=(Decimal(item.rating_sum) / item.rating_count).quantize(Decimal("0.1")) if item.rating_count else None,
    )


async def add_category(name: str) -> CategoryRecord:
    try:
        category = await Category.create(name=name)
    except IntegrityError:
        raise Duplicate("category", name) from None
    return CategoryRecord(id=category.id, name=category.name, item_count=0)


async def add_item(category: str, title: str, price: Decimal, description: str = "") -> ItemRecord:
    category_id = await Category.filter(name=category).first().values_list("id", flat=True)
    if category_id is None:
        raise UnknownCategory(category)
    try:
        item = await Item.create(
            category_id=category_id, title=title, title_folded=title.casefold(), price=price.quantize(CENT),
            description=description,
        )
    except IntegrityError:
        raise Duplicate("item", title) from None
    return item_record(item)


async def add_stock(item_title: str, contents: list[str]) -> int:
    """Add one unit per entry to the item; returns how many were added.

    The stock counter is bumped first so that SQLite takes its write lock at the start of the
    transaction (a read first could meet another process's commit and fail to upgrade).
    """
    async with in_transaction() as conn:
        changed = await Item.filter(title=item_title).using_db(conn).update(stock_left=F("stock_left") + len(contents))
        if not changed:
            raise UnknownItem(item_title)
        item_id = await Item.filter(title=item_title).using_db(conn).first().values_list("id", flat=True)
        await StockUnit.bulk_create(
            [StockUnit(item_id=item_id, content=content) for content in contents], batch_size=1000, using_db=conn
        )
    return len(contents)


async def list_categories() -> list[CategoryRecord]:
    """Categories with their count of visible items, by name."""
    rows = (
        await Category.annotate(item_count=Count("items", _filter=Q(items__hidden=False)))
        .order_by("name")
        .values("id", "name", "item_count")
    )
    return [CategoryRecord(id=r["id"], name=r["name"], item_count=r["item_count"]) for r in rows]


async def list_items(category_id: int) -> list[ItemRecord]:
    """Visible items of a category, by title."""
    items = await Item.filter(category_id=category_id, hidden=False).order_by("title")
    return [item_record(item) for item in items]


async def category_page(category_id: int) -> CategoryPage | None:
    """A category with its visible items, by title; None for an unknown category."""
    category = await Category.get_or_none(id=category_id)
    if category is None:
        return None
    items = [item_record(item) for item in await Item.filter(category_id=category_id, hidden=False).order_by("title")]
    return CategoryPage(category=CategoryRecord(id=category.id, name=category.name, item_count=len(items)), items=items)


async def purchase_preview(user_id: int, item_id: int) -> PurchasePreview | None:
    """The visible item and the buyer's current balance; None for an unknown or hidden item."""
    item = await Item.get_or_none(id=item_id, hidden=False)
    if item is None:
        return None
    balance = await User.filter(id=user_id).first().values_list("balance", flat=True)
    return PurchasePreview(item=item_record(item), balance=Decimal(balance or 0).quantize(CENT))


async def get_item(item_id: int) -> ItemRecord | None:
    """A visible item, or None for an unknown or hidden one."""
    item = await Item.get_or_none(id=item_id, hidden=False)
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
                    category=category, title=title, title_folded=title.casefold(), price=Decimal(price),
                    description=description, stock_left=units, using_db=conn,
                )
                slug = "".join(word[:3].upper() for word in title.split())
                await StockUnit.bulk_create(
                    [StockUnit(item=item, content=f"{slug}-DEMO-{n:04d}") for n in range(1, units + 1)],
                    using_db=conn,
                )
    return True
