"""The staff's use cases about the catalog: everything, hidden included, and changing it.

Each change writes its audit event in the same transaction. Deleting keeps what buyers own readable:
an item with sales (or payments) is not removed but marked deleted and hidden, its title set aside so
the name can be used again, its unsold units removed; purchases keep their own copy of the title and
the goods. A category is deleted only when nothing visible is left in it.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from storage.audit import write_event
from storage.catalog import ID_MAX, PHOTO_REF, TITLE_MAX
from storage.errors import CategoryNotEmpty, Duplicate, InvalidItem, UnknownCategory, UnknownItem
from storage.models import CENT, Category, Item, ItemKind, Payment, Purchase, StockUnit
from storage.paging import paginate
from storage.records import AdminCategory, AdminItem, CategoryTree, Page

NAME_MAX = 128
# What the staff's screens read of an item (AdminItem): never its content or its file's bytes.
ADMIN_SHOWN = ("id", "category_id", "title", "description", "price", "kind", "stock_left", "hidden", "photo")


def _admin_item(item: Item) -> AdminItem:
    return AdminItem(
        id=item.id,
        category_id=item.category_id,
        title=item.title,
        description=item.description,
        price=Decimal(item.price).quantize(CENT),
        kind=ItemKind(item.kind),
        stock_left=item.stock_left,
        hidden=item.hidden,
        photo=item.photo,
    )


async def category_tree(category_id: int | None) -> CategoryTree | None:
    """A category (None: the top level) with its subcategories and items, hidden ones included,
    deleted ones not; None for an unknown or deleted category."""
    async with in_transaction() as conn:
        category = None
        if category_id is not None:
            if not 0 < category_id <= ID_MAX:
                return None
            row = await Category.get_or_none(id=category_id, deleted_at=None, using_db=conn)
            if row is None:
                return None
            category = AdminCategory(id=row.id, name=row.name, hidden=row.hidden, parent_id=row.parent_id, items=0)
        children = (
            await Category.filter(parent_id=category_id, deleted_at=None)
            .using_db(conn)
            .annotate(items=Count("items", _filter=Q(items__deleted_at=None)))
            .order_by("name")
            .values("id", "name", "hidden", "parent_id", "items")
        )
        listed = Item.filter(category_id=category_id, deleted_at=None).using_db(conn).only(*ADMIN_SHOWN).order_by("title")
        items = [] if category_id is None else await listed
    return CategoryTree(
        category=category,
        children=[AdminCategory(**child) for child in children],
        items=[_admin_item(item) for item in items],
    )


async def admin_item(item_id: int) -> AdminItem | None:
    if not 0 < item_id <= ID_MAX:
        return None
    item = await Item.filter(id=item_id, deleted_at=None).only(*ADMIN_SHOWN).first()
    return None if item is None else _admin_item(item)


async def stock_items(page: int, size: int) -> Page[AdminItem]:
    """The items that take stock ("unique", not deleted), fewest units left first, then by title."""
    query = Item.filter(kind=ItemKind.UNIQUE, deleted_at=None).only(*ADMIN_SHOWN).order_by("stock_left", "title")
    return await paginate(query, page, size, _admin_item)


async def rename_category(category_id: int, name: str, *, actor_id: int | None) -> None:
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise InvalidItem(name, f"a category name must be 1 to {NAME_MAX} characters")
    async with in_transaction() as conn:
        try:
            changed = await Category.filter(id=category_id, deleted_at=None).using_db(conn).update(name=name)
        except IntegrityError:
            raise Duplicate("category", name) from None
        if not changed:
            raise UnknownCategory(str(category_id))
        await write_event(conn, "category.rename", actor_id=actor_id, target=str(category_id), detail=name)


async def set_category_hidden(category_id: int, hidden: bool, *, actor_id: int | None) -> None:
    async with in_transaction() as conn:
        if not await Category.filter(id=category_id, deleted_at=None).using_db(conn).update(hidden=hidden):
            raise UnknownCategory(str(category_id))
        await write_event(conn, "category.hide" if hidden else "category.show", actor_id=actor_id, target=str(category_id))


async def delete_category(category_id: int, *, actor_id: int | None) -> None:
    """Refused (CategoryNotEmpty) while it holds items or subcategories that are not deleted. One whose
    deleted items still have sales is kept, marked deleted, hidden and renamed out of the way."""
    async with in_transaction() as conn:
        category = await Category.get_or_none(id=category_id, deleted_at=None, using_db=conn)
        if category is None:
            raise UnknownCategory(str(category_id))
        items = await Item.filter(category_id=category_id, deleted_at=None).using_db(conn).count()
        children = await Category.filter(parent_id=category_id, deleted_at=None).using_db(conn).count()
        if items or children:
            raise CategoryNotEmpty(category.name, items, children)
        kept = (
            await Item.filter(category_id=category_id).using_db(conn).exists()
            or await Category.filter(parent_id=category_id).using_db(conn).exists()
        )
        if kept:
            await (
                Category.filter(id=category_id)
                .using_db(conn)
                .update(hidden=True, deleted_at=datetime.now(UTC), name=_set_aside(category.name, category.id))
            )
        else:
            await Category.filter(id=category_id).using_db(conn).delete()
        await write_event(conn, "category.delete", actor_id=actor_id, target=str(category_id), detail=category.name)


async def update_item(
    item_id: int,
    *,
    actor_id: int | None,
    title: str | None = None,
    price: Decimal | None = None,
    description: str | None = None,
    photo: str | None = None,
) -> AdminItem:
    """Change the given fields (a photo of "" removes it); InvalidItem or Duplicate for bad values."""
    changes: dict[str, Any] = {}
    if title is not None:
        title = title.strip()
        if not title or len(title) > TITLE_MAX:
            raise InvalidItem(title, f"the title must be 1 to {TITLE_MAX} characters")
        changes.update(title=title, title_folded=title.casefold()[:TITLE_MAX])
    if price is not None:
        if not price.is_finite() or price <= 0 or price != price.quantize(CENT):
            raise InvalidItem(str(item_id), "the price must be positive, with at most two decimals")
        changes["price"] = price
    if description is not None:
        changes["description"] = description
    if photo is not None:
        if photo and not PHOTO_REF.fullmatch(photo):
            raise InvalidItem(str(item_id), "the photo must be a Telegram file_id or an https URL")
        changes["photo"] = photo or None
    async with in_transaction() as conn:
        try:
            changed = await Item.filter(id=item_id, deleted_at=None).using_db(conn).update(**changes) if changes else 1
        except IntegrityError:
            raise Duplicate("item", title or "") from None
        item = await Item.filter(id=item_id, deleted_at=None).using_db(conn).only(*ADMIN_SHOWN).first()
        if not changed or item is None:
            raise UnknownItem(str(item_id))
        if changes:
            detail = ", ".join(sorted(name for name in changes if name != "title_folded"))
            await write_event(conn, "item.edit", actor_id=actor_id, target=str(item_id), detail=detail)
    return _admin_item(item)


async def set_item_hidden(item_id: int, hidden: bool, *, actor_id: int | None) -> AdminItem:
    async with in_transaction() as conn:
        if not await Item.filter(id=item_id, deleted_at=None).using_db(conn).update(hidden=hidden):
            raise UnknownItem(str(item_id))
        await write_event(conn, "item.hide" if hidden else "item.show", actor_id=actor_id, target=str(item_id))
        return _admin_item(await Item.filter(id=item_id).using_db(conn).only(*ADMIN_SHOWN).get())


async def delete_item(item_id: int, *, actor_id: int | None) -> bool:
    """Delete an item; True when it was removed outright, False when it had sales or payments and was
    kept (deleted, hidden, off sale) so every purchase of it stays readable."""
    async with in_transaction() as conn:
        item = await Item.filter(id=item_id, deleted_at=None).using_db(conn).only("id", "title").first()
        if item is None:
            raise UnknownItem(str(item_id))
        await StockUnit.filter(item_id=item_id, sold=False).using_db(conn).delete()
        sold = (
            await Purchase.filter(item_id=item_id).using_db(conn).exists()
            or await Payment.filter(item_id=item_id).using_db(conn).exists()
        )
        if sold:
            await (
                Item.filter(id=item_id)
                .using_db(conn)
                .update(
                    hidden=True,
                    deleted_at=datetime.now(UTC),
                    stock_left=0,
                    title=_set_aside(item.title, item.id),
                    title_folded=_set_aside(item.title, item.id).casefold()[:TITLE_MAX],
                )
            )
        else:
            await Item.filter(id=item_id).using_db(conn).delete()
        await write_event(conn, "item.delete", actor_id=actor_id, target=str(item_id), detail=item.title)
    return not sold


def _set_aside(name: str, row_id: int) -> str:
    """A deleted row's name, freed for reuse: unique, never typed by anyone."""
    suffix = f" [deleted #{row_id}]"
    return name[: NAME_MAX - len(suffix)] + suffix
