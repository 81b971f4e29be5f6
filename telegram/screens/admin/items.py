"""The staff's catalog screens, items: an item's card (hidden ones included), creating one, hiding
or showing it, deleting it. Needs the catalog permission, checked on every press and every typed answer.

A new item is made in steps (kind, title, price, and the content every buyer gets of an "unlimited"
item, or the document of a "file" one), kept as conversation state; "unique" items then take stock
(the stock screen). Deleting asks first; an item with sales is kept out of sight so its buyers can
still read what they bought. Editing an item's fields is telegram.screens.admin.item_edit. Typed
titles are bounded here, refused in the staff member's language, before they reach the store.
"""

from decimal import Decimal
from typing import Any

from storage import Duplicate, InvalidItem, Permission, UnknownItem
from telegram.amounts import parse_amount
from telegram.routing import Context, Router, Row, keyboard
from telegram.screens.admin.callbacks import AdminCatalog, AdminItem, DeleteItem, EditItem, HideItem, ItemStock, NewItem
from telegram.screens.admin.categories import NAME_MAX, refuse_value, show_category
from telegram.screens.admin.panel import back_row, cancel_row
from telegram.screens.admin.uploads import download_document

router = Router(name=__name__, need=Permission.CATALOG)

KIND_LABEL = {
    "unique": "admin.catalog.kind.unique",
    "unlimited": "admin.catalog.kind.unlimited",
    "file": "admin.catalog.kind.file",
}
CHAT_KINDS = ("unique", "unlimited", "file")


@router.callback(NewItem, action="item.create")
async def new_item(ctx: Context, data: NewItem) -> None:
    if data.kind not in CHAT_KINDS:
        rows = [[(ctx.t.plain(KIND_LABEL[kind]), NewItem(category_id=data.category_id, kind=kind))] for kind in CHAT_KINDS]
        await ctx.show(ctx.t("admin.catalog.ask.kind"), keyboard(*rows, cancel_row(ctx)))
        return
    await ctx.expect("catalog_item_title", category_id=data.category_id, kind=data.kind)
    await ctx.show(ctx.t("admin.catalog.ask.title"), keyboard(cancel_row(ctx)))


@router.pending("catalog_item_title", action="item.create")
async def item_titled(ctx: Context, text: str, data: dict[str, Any]) -> None:
    title = text.strip()
    if not title or len(title) > NAME_MAX:
        await ctx.reply(ctx.t("admin.catalog.error.title"), keyboard(cancel_row(ctx)))
        return
    await ctx.expect("catalog_item_price", **data, title=title)
    await ctx.reply(ctx.t("admin.catalog.ask.price"), keyboard(cancel_row(ctx)))


@router.pending("catalog_item_price", action="item.create")
async def item_priced(ctx: Context, text: str, data: dict[str, Any]) -> None:
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


@router.pending("catalog_item_content", action="item.create")
async def item_content(ctx: Context, text: str, data: dict[str, Any]) -> None:
    if not text.strip():
        await ctx.reply(ctx.t("admin.catalog.ask.content"), keyboard(cancel_row(ctx)))
        return
    await _create_item(ctx, data, str(data.get("price")), text)


@router.pending("catalog_item_file", action="item.create")
async def item_file(ctx: Context, _text: str, data: dict[str, Any]) -> None:
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
            tree.category.name,
            str(data.get("title")),
            Decimal(price),
            kind=str(data.get("kind")),
            content=content,
            file_name=file[0] if file else None,
            file_data=file[1] if file else None,
            actor_id=ctx.user.id,
        )
    except (Duplicate, InvalidItem) as error:
        await refuse_value(ctx, error)
        return
    await ctx.forget()
    await show_item(ctx, item.id, new=True)


@router.callback(AdminItem, action="item.view")
async def open_item(ctx: Context, data: AdminItem) -> None:
    await show_item(ctx, data.item_id)


async def show_item(ctx: Context, item_id: int, *, new: bool = False) -> None:
    item = await ctx.shop.store.admin_item(item_id)
    if item is None:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        await show_category(ctx, 0)
        return
    state = ctx.t.plain("admin.catalog.hidden" if item.hidden else "admin.catalog.shown")
    if item.kind == "unique":
        stock = ctx.t.plain("admin.catalog.stock", stock=item.stock_left)
    else:
        stock = ctx.t.plain("admin.catalog.stock_endless")
    text = ctx.t(
        "admin.catalog.item",
        title=item.title,
        kind=ctx.t.plain(KIND_LABEL.get(item.kind, "admin.catalog.kind.unique")),
        price=item.price,
        stock=stock,
        state=state,
        description=item.description or "—",
        photo=ctx.t.plain("admin.catalog.photo_yes" if item.photo else "admin.catalog.photo_no"),
    )
    rows: list[Row] = [
        [
            (ctx.t.plain("admin.catalog.button.title"), EditItem(item_id=item.id, field="title")),
            (ctx.t.plain("admin.catalog.button.price"), EditItem(item_id=item.id, field="price")),
        ],
        [
            (ctx.t.plain("admin.catalog.button.description"), EditItem(item_id=item.id, field="description")),
            (ctx.t.plain("admin.catalog.button.photo"), EditItem(item_id=item.id, field="photo")),
        ],
        [
            (
                ctx.t.plain("admin.catalog.button.show" if item.hidden else "admin.catalog.button.hide"),
                HideItem(item_id=item.id, hidden=not item.hidden),
            ),
            (ctx.t.plain("admin.catalog.button.delete"), DeleteItem(item_id=item.id)),
        ],
    ]
    if item.kind == "unique":
        rows.append([(ctx.t.plain("admin.stock.button.list"), ItemStock(item_id=item.id))])
    rows.append([(ctx.t.plain("button.back"), AdminCatalog(category_id=item.category_id))])
    if new:
        await ctx.reply(text, keyboard(*rows))
    else:
        await ctx.show(text, keyboard(*rows))


@router.callback(HideItem, action="item.hide")
async def hide_item(ctx: Context, data: HideItem) -> None:
    try:
        await ctx.shop.store.set_item_hidden(data.item_id, data.hidden, actor_id=ctx.user.id)
    except UnknownItem:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    await show_item(ctx, data.item_id)


@router.callback(DeleteItem, action="item.delete")
async def delete_item(ctx: Context, data: DeleteItem) -> None:
    item = await ctx.shop.store.admin_item(data.item_id)
    if item is None:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    if not data.confirmed:
        await ctx.show(
            ctx.t("admin.catalog.confirm_delete_item", title=item.title),
            keyboard(
                [
                    (ctx.t.plain("admin.catalog.button.confirm_delete"), DeleteItem(item_id=item.id, confirmed=True)),
                    (ctx.t.plain("button.back"), AdminItem(item_id=item.id)),
                ]
            ),
        )
        return
    removed = await ctx.shop.store.delete_item(item.id, actor_id=ctx.user.id)
    await ctx.notify(ctx.t.plain("admin.catalog.deleted" if removed else "admin.catalog.deleted_kept"), alert=not removed)
    await show_category(ctx, item.category_id)
