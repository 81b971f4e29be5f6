"""The staff's catalog screens: categories and items, hidden ones included; create, rename or edit,
hide or show, delete. Needs the catalog permission, checked on every press and every typed answer.

A new item is made in steps (kind, title, price, and the content every buyer gets of an "unlimited"
item, or the document of a "file" one), kept as conversation state; "unique" items then take stock
(the stock screen). Deleting asks first; an item with sales is kept out of sight so its buyers can
still read what they bought. Editing an item's fields is telegram.screens.admin.item_edit. Typed
names and titles are bounded here, refused in the staff member's language, before they reach the store.
"""

from decimal import Decimal
from typing import Any

from storage import AdminItem as ItemView
from storage import CategoryNotEmpty, Duplicate, InvalidItem, NestingTooDeep, Permission, UnknownCategory, UnknownItem
from telegram.amounts import parse_amount
from telegram.callback_data import CallbackData
from telegram.routing import Context, Router, keyboard
from telegram.screens.admin.access import permitted
from telegram.screens.admin.callbacks import (
    AdminCatalog, AdminItem, DeleteCategory, DeleteItem, EditItem, HideCategory, HideItem, ItemStock, NewCategory,
    NewItem, RenameCategory,
)
from telegram.screens.admin.panel import back_row, cancel_row
from telegram.screens.admin.uploads import download_document

router = Router(name=__name__)

KIND_LABEL = {
    "unique": "admin.catalog.kind.unique",
    "unlimited": "admin.catalog.kind.unlimited",
    "file": "admin.catalog.kind.file",
}
CHAT_KINDS = ("unique", "unlimited", "file")
NAME_MAX = 128


async def _allowed(ctx: Context, action: str) -> bool:
    return await permitted(ctx, Permission.CATALOG, action)


@router.callback(AdminCatalog)
async def catalog(ctx: Context, data: AdminCatalog) -> None:
    if await _allowed(ctx, "catalog.view"):
        await _show_category(ctx, data.category_id)


async def _show_category(ctx: Context, category_id: int, *, new: bool = False) -> None:
    tree = await ctx.shop.store.category_tree(category_id or None)
    if tree is None:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        tree = await ctx.shop.store.category_tree(None)
        assert tree is not None
    rows: list[list[tuple[str, CallbackData]]] = []
    for child in tree.children:
        label = ctx.t.plain("admin.catalog.category_button", name=child.name, items=child.items)
        rows.append([(_hidden_mark(ctx, child.hidden, label), AdminCatalog(category_id=child.id))])
    for item in tree.items:
        rows.append([(_hidden_mark(ctx, item.hidden, _item_label(ctx, item)), AdminItem(item_id=item.id))])
    here = tree.category
    if here is None:
        text = ctx.t("admin.catalog.top", count=len(tree.children))
        rows.append([(ctx.t.plain("admin.catalog.button.new_category"), NewCategory())])
        rows.append(back_row(ctx))
    else:
        state = ctx.t.plain("admin.catalog.hidden" if here.hidden else "admin.catalog.shown")
        text = ctx.t("admin.catalog.category", name=here.name, state=state, items=len(tree.items), subcategories=len(tree.children))
        actions = [(ctx.t.plain("admin.catalog.button.new_item"), NewItem(category_id=here.id))]
        if here.parent_id is None:
            actions.append((ctx.t.plain("admin.catalog.button.new_subcategory"), NewCategory(parent_id=here.id)))
        rows.append(actions)
        rows.append([
            (ctx.t.plain("admin.catalog.button.rename"), RenameCategory(category_id=here.id)),
            (ctx.t.plain("admin.catalog.button.show" if here.hidden else "admin.catalog.button.hide"),
             HideCategory(category_id=here.id, hidden=not here.hidden)),
            (ctx.t.plain("admin.catalog.button.delete"), DeleteCategory(category_id=here.id)),
        ])
        rows.append([(ctx.t.plain("button.back"), AdminCatalog(category_id=here.parent_id or 0))])
    if new:
        await ctx.reply(text, keyboard(*rows))
    else:
        await ctx.show(text, keyboard(*rows))


def _item_label(ctx: Context, item: ItemView) -> str:
    if item.kind == "unique":
        return ctx.t.plain("admin.catalog.item_button_stock", title=item.title, price=item.price, stock=item.stock_left)
    return ctx.t.plain("admin.catalog.item_button", title=item.title, price=item.price)


def _hidden_mark(ctx: Context, hidden: bool, label: str) -> str:
    return ctx.t.plain("admin.catalog.hidden_mark", label=label) if hidden else label


# --- categories --------------------------------------------------------------------------------------


@router.callback(NewCategory)
async def new_category(ctx: Context, data: NewCategory) -> None:
    if not await _allowed(ctx, "category.create"):
        return
    await ctx.expect("catalog_new_category", parent_id=data.parent_id)
    await ctx.show(ctx.t("admin.catalog.ask.category"), keyboard(cancel_row(ctx)))


@router.pending("catalog_new_category")
async def category_named(ctx: Context, text: str, data: dict[str, Any]) -> None:
    if not await _allowed(ctx, "category.create"):
        await ctx.forget()
        return
    name = text.strip()
    if not name or len(name) > NAME_MAX:
        await ctx.reply(ctx.t("admin.catalog.error.name"), keyboard(cancel_row(ctx)))
        return
    parent_id = data.get("parent_id") or 0
    parent = await ctx.shop.store.category_tree(parent_id) if parent_id else None
    try:
        created = await ctx.shop.store.add_category(
            name, parent.category.name if parent is not None and parent.category is not None else None,
            actor_id=ctx.user.id,
        )
    except (Duplicate, InvalidItem, NestingTooDeep, UnknownCategory) as error:
        await refuse_value(ctx, error)
        return
    await ctx.forget()
    await _show_category(ctx, created.id, new=True)


@router.callback(RenameCategory)
async def rename_category(ctx: Context, data: RenameCategory) -> None:
    if not await _allowed(ctx, "category.rename"):
        return
    await ctx.expect("catalog_rename", category_id=data.category_id)
    await ctx.show(ctx.t("admin.catalog.ask.category"), keyboard(cancel_row(ctx)))


@router.pending("catalog_rename")
async def category_renamed(ctx: Context, text: str, data: dict[str, Any]) -> None:
    if not await _allowed(ctx, "category.rename"):
        await ctx.forget()
        return
    category_id = int(data.get("category_id") or 0)
    name = text.strip()
    if not name or len(name) > NAME_MAX:
        await ctx.reply(ctx.t("admin.catalog.error.name"), keyboard(cancel_row(ctx)))
        return
    try:
        await ctx.shop.store.rename_category(category_id, name, actor_id=ctx.user.id)
    except (Duplicate, InvalidItem, UnknownCategory) as error:
        await refuse_value(ctx, error)
        return
    await ctx.forget()
    await _show_category(ctx, category_id, new=True)


@router.callback(HideCategory)
async def hide_category(ctx: Context, data: HideCategory) -> None:
    if not await _allowed(ctx, "category.hide"):
        return
    try:
        await ctx.shop.store.set_category_hidden(data.category_id, data.hidden, actor_id=ctx.user.id)
    except UnknownCategory:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    await _show_category(ctx, data.category_id)


@router.callback(DeleteCategory)
async def delete_category(ctx: Context, data: DeleteCategory) -> None:
    if not await _allowed(ctx, "category.delete"):
        return
    tree = await ctx.shop.store.category_tree(data.category_id)
    if tree is None or tree.category is None:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    if not data.confirmed:
        await ctx.show(
            ctx.t("admin.catalog.confirm_delete", name=tree.category.name),
            keyboard([(ctx.t.plain("admin.catalog.button.confirm_delete"), DeleteCategory(category_id=data.category_id, confirmed=True)),
                      (ctx.t.plain("button.back"), AdminCatalog(category_id=data.category_id))]),
        )
        return
    try:
        await ctx.shop.store.delete_category(data.category_id, actor_id=ctx.user.id)
    except CategoryNotEmpty as error:
        await ctx.notify(ctx.t.plain("admin.catalog.error.not_empty", items=error.items, subcategories=error.subcategories), alert=True)
        await _show_category(ctx, data.category_id)
        return
    await ctx.notify(ctx.t.plain("admin.catalog.deleted"))
    await _show_category(ctx, tree.category.parent_id or 0)


# --- items -------------------------------------------------------------------------------------------


@router.callback(NewItem)
async def new_item(ctx: Context, data: NewItem) -> None:
    if not await _allowed(ctx, "item.create"):
        return
    if data.kind not in CHAT_KINDS:
        rows = [[(ctx.t.plain(KIND_LABEL[kind]), NewItem(category_id=data.category_id, kind=kind))] for kind in CHAT_KINDS]
        await ctx.show(ctx.t("admin.catalog.ask.kind"), keyboard(*rows, cancel_row(ctx)))
        return
    await ctx.expect("catalog_item_title", category_id=data.category_id, kind=data.kind)
    await ctx.show(ctx.t("admin.catalog.ask.title"), keyboard(cancel_row(ctx)))


@router.pending("catalog_item_title")
async def item_titled(ctx: Context, text: str, data: dict[str, Any]) -> None:
    if not await _allowed(ctx, "item.create"):
        await ctx.forget()
        return
    title = text.strip()
    if not title or len(title) > NAME_MAX:
        await ctx.reply(ctx.t("admin.catalog.error.title"), keyboard(cancel_row(ctx)))
        return
    await ctx.expect("catalog_item_price", **data, title=title)
    await ctx.reply(ctx.t("admin.catalog.ask.price"), keyboard(cancel_row(ctx)))


@router.pending("catalog_item_price")
async def item_priced(ctx: Context, text: str, data: dict[str, Any]) -> None:
    if not await _allowed(ctx, "item.create"):
        await ctx.forget()
        return
    price = parse_amount(text)
    if price is None or price <= 0:
        await ctx.reply(ctx.t("admin.catalog.error.price"), keyboard(cancel_row(ctx)))
        return
    if data.get("kind") == "unlimited":
        await ctx.expect("catalog_item_content", **data, price=str(price))
        await ctx.reply(ctx.t("admin.catalog.ask.content"), keyboard(cancel_row(ctx)))
        return
    if data.get("kind") == "file":
        await ctx.expect("catalog_item_file", **data, price=str(price))
        await ctx.reply(ctx.t("admin.catalog.ask.file"), keyboard(cancel_row(ctx)))
        return
    await _create_item(ctx, data, str(price), "")


@router.pending("catalog_item_content")
async def item_content(ctx: Context, text: str, data: dict[str, Any]) -> None:
    if not await _allowed(ctx, "item.create"):
        await ctx.forget()
        return
    if not text.strip():
        await ctx.reply(ctx.t("admin.catalog.ask.content"), keyboard(cancel_row(ctx)))
        return
    await _create_item(ctx, data, str(data.get("price")), text)


@router.pending("catalog_item_file")
async def item_file(ctx: Context, _text: str, data: dict[str, Any]) -> None:
    if not await _allowed(ctx, "item.create"):
        await ctx.forget()
        return
    document = ctx.message.document if ctx.message is not None else None
    if document is None:
        await ctx.reply(ctx.t("admin.catalog.ask.file"), keyboard(cancel_row(ctx)))
        return
    raw = await download_document(ctx, document)
    if raw is None:
        return
    await _create_item(ctx, data, str(data.get("price")), "", file=(document.file_name or "file", raw))


async def _create_item(
    ctx: Context, data: dict[str, Any], price: str, content: str, *, file: tuple[str, bytes] | None = None
) -> None:
    tree = await ctx.shop.store.category_tree(int(data.get("category_id") or 0) or None)
    if tree is None or tree.category is None:
        await ctx.forget()
        await ctx.reply(ctx.t("admin.catalog.error.gone"), keyboard(back_row(ctx)))
        return
    try:
        item = await ctx.shop.store.add_item(
            tree.category.name, str(data.get("title")), Decimal(price), kind=str(data.get("kind")), content=content,
            file_name=file[0] if file else None, file_data=file[1] if file else None, actor_id=ctx.user.id,
        )
    except (Duplicate, InvalidItem) as error:
        await refuse_value(ctx, error)
        return
    await ctx.forget()
    await show_item(ctx, item.id, new=True)


@router.callback(AdminItem)
async def open_item(ctx: Context, data: AdminItem) -> None:
    if await _allowed(ctx, "item.view"):
        await show_item(ctx, data.item_id)


async def show_item(ctx: Context, item_id: int, *, new: bool = False) -> None:
    item = await ctx.shop.store.admin_item(item_id)
    if item is None:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        await _show_category(ctx, 0)
        return
    state = ctx.t.plain("admin.catalog.hidden" if item.hidden else "admin.catalog.shown")
    stock = ctx.t.plain("admin.catalog.stock", stock=item.stock_left) if item.kind == "unique" else ctx.t.plain("admin.catalog.stock_endless")
    text = ctx.t(
        "admin.catalog.item", title=item.title, kind=ctx.t.plain(KIND_LABEL.get(item.kind, "admin.catalog.kind.unique")),
        price=item.price, stock=stock, state=state, description=item.description or "—",
        photo=ctx.t.plain("admin.catalog.photo_yes" if item.photo else "admin.catalog.photo_no"),
    )
    rows = [
        [(ctx.t.plain("admin.catalog.button.title"), EditItem(item_id=item.id, field="title")),
         (ctx.t.plain("admin.catalog.button.price"), EditItem(item_id=item.id, field="price"))],
        [(ctx.t.plain("admin.catalog.button.description"), EditItem(item_id=item.id, field="description")),
         (ctx.t.plain("admin.catalog.button.photo"), EditItem(item_id=item.id, field="photo"))],
        [(ctx.t.plain("admin.catalog.button.show" if item.hidden else "admin.catalog.button.hide"),
          HideItem(item_id=item.id, hidden=not item.hidden)),
         (ctx.t.plain("admin.catalog.button.delete"), DeleteItem(item_id=item.id))],
        *([[(ctx.t.plain("admin.stock.button.list"), ItemStock(item_id=item.id))]] if item.kind == "unique" else []),
        [(ctx.t.plain("button.back"), AdminCatalog(category_id=item.category_id))],
    ]
    if new:
        await ctx.reply(text, keyboard(*rows))
    else:
        await ctx.show(text, keyboard(*rows))


@router.callback(HideItem)
async def hide_item(ctx: Context, data: HideItem) -> None:
    if not await _allowed(ctx, "item.hide"):
        return
    try:
        await ctx.shop.store.set_item_hidden(data.item_id, data.hidden, actor_id=ctx.user.id)
    except UnknownItem:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    await show_item(ctx, data.item_id)


@router.callback(DeleteItem)
async def delete_item(ctx: Context, data: DeleteItem) -> None:
    if not await _allowed(ctx, "item.delete"):
        return
    item = await ctx.shop.store.admin_item(data.item_id)
    if item is None:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    if not data.confirmed:
        await ctx.show(
            ctx.t("admin.catalog.confirm_delete_item", title=item.title),
            keyboard([(ctx.t.plain("admin.catalog.button.confirm_delete"), DeleteItem(item_id=item.id, confirmed=True)),
                      (ctx.t.plain("button.back"), AdminItem(item_id=item.id))]),
        )
        return
    removed = await ctx.shop.store.delete_item(item.id, actor_id=ctx.user.id)
    await ctx.notify(ctx.t.plain("admin.catalog.deleted" if removed else "admin.catalog.deleted_kept"), alert=not removed)
    await _show_category(ctx, item.category_id)


async def refuse_value(ctx: Context, error: Exception) -> None:
    """A typed value the shop cannot take: say why; the question stays open for another try."""
    if isinstance(error, Duplicate):
        text = ctx.t("admin.catalog.error.duplicate", name=error.value)
    elif isinstance(error, InvalidItem):
        text = ctx.t("admin.catalog.error.invalid", reason=error.reason)
    else:
        await ctx.forget()
        text = ctx.t("admin.catalog.error.gone")
    await ctx.reply(text, keyboard(cancel_row(ctx)))
