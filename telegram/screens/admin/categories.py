"""The staff's catalog screens, categories: the catalog tree (a category's subcategories and items,
hidden ones included), and creating, renaming, hiding or showing, and deleting a category (asked
first; only an empty one goes). Needs the catalog permission, checked on every press and every typed
answer. Typed names are bounded here (NAME_MAX), refused in the staff member's language, before they
reach the store. An item's own screens are telegram.screens.admin.items.
"""

from typing import Any

from storage import AdminItem as ItemView
from storage import CategoryNotEmpty, Duplicate, InvalidItem, NestingTooDeep, Permission, UnknownCategory
from telegram.routing import Context, Router, Row, keyboard
from telegram.screens.admin.callbacks import (
    AdminCatalog,
    AdminItem,
    DeleteCategory,
    HideCategory,
    NewCategory,
    NewItem,
    RenameCategory,
)
from telegram.screens.admin.panel import back_row, cancel_row

router = Router(name=__name__, need=Permission.CATALOG)

NAME_MAX = 128


@router.callback(AdminCatalog, action="catalog.view")
async def catalog(ctx: Context, data: AdminCatalog) -> None:
    await show_category(ctx, data.category_id)


async def show_category(ctx: Context, category_id: int, *, new: bool = False) -> None:
    tree = await ctx.shop.store.category_tree(category_id or None)
    if tree is None:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        tree = await ctx.shop.store.category_tree(None)
        assert tree is not None
    rows: list[Row] = []
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
        text = ctx.t(
            "admin.catalog.category", name=here.name, state=state, items=len(tree.items), subcategories=len(tree.children)
        )
        actions: Row = [(ctx.t.plain("admin.catalog.button.new_item"), NewItem(category_id=here.id))]
        if here.parent_id is None:
            actions.append((ctx.t.plain("admin.catalog.button.new_subcategory"), NewCategory(parent_id=here.id)))
        rows.append(actions)
        rows.append(
            [
                (ctx.t.plain("admin.catalog.button.rename"), RenameCategory(category_id=here.id)),
                (
                    ctx.t.plain("admin.catalog.button.show" if here.hidden else "admin.catalog.button.hide"),
                    HideCategory(category_id=here.id, hidden=not here.hidden),
                ),
                (ctx.t.plain("admin.catalog.button.delete"), DeleteCategory(category_id=here.id)),
            ]
        )
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


@router.callback(NewCategory, action="category.create")
async def new_category(ctx: Context, data: NewCategory) -> None:
    await ctx.expect("catalog_new_category", parent_id=data.parent_id)
    await ctx.show(ctx.t("admin.catalog.ask.category"), keyboard(cancel_row(ctx)))


@router.pending("catalog_new_category", action="category.create")
async def category_named(ctx: Context, text: str, data: dict[str, Any]) -> None:
    name = text.strip()
    if not name or len(name) > NAME_MAX:
        await ctx.reply(ctx.t("admin.catalog.error.name"), keyboard(cancel_row(ctx)))
        return
    parent_id = data.get("parent_id") or 0
    parent = await ctx.shop.store.category_tree(parent_id) if parent_id else None
    try:
        created = await ctx.shop.store.add_category(
            name,
            parent.category.name if parent is not None and parent.category is not None else None,
            actor_id=ctx.user.id,
        )
    except (Duplicate, InvalidItem, NestingTooDeep, UnknownCategory) as error:
        await refuse_value(ctx, error)
        return
    await ctx.forget()
    await show_category(ctx, created.id, new=True)


@router.callback(RenameCategory, action="category.rename")
async def rename_category(ctx: Context, data: RenameCategory) -> None:
    await ctx.expect("catalog_rename", category_id=data.category_id)
    await ctx.show(ctx.t("admin.catalog.ask.category"), keyboard(cancel_row(ctx)))


@router.pending("catalog_rename", action="category.rename")
async def category_renamed(ctx: Context, text: str, data: dict[str, Any]) -> None:
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
    await show_category(ctx, category_id, new=True)


@router.callback(HideCategory, action="category.hide")
async def hide_category(ctx: Context, data: HideCategory) -> None:
    try:
        await ctx.shop.store.set_category_hidden(data.category_id, data.hidden, actor_id=ctx.user.id)
    except UnknownCategory:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    await show_category(ctx, data.category_id)


@router.callback(DeleteCategory, action="category.delete")
async def delete_category(ctx: Context, data: DeleteCategory) -> None:
    tree = await ctx.shop.store.category_tree(data.category_id)
    if tree is None or tree.category is None:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    if not data.confirmed:
        await ctx.show(
            ctx.t("admin.catalog.confirm_delete", name=tree.category.name),
            keyboard(
                [
                    (
                        ctx.t.plain("admin.catalog.button.confirm_delete"),
                        DeleteCategory(category_id=data.category_id, confirmed=True),
                    ),
                    (ctx.t.plain("button.back"), AdminCatalog(category_id=data.category_id)),
                ]
            ),
        )
        return
    try:
        await ctx.shop.store.delete_category(data.category_id, actor_id=ctx.user.id)
    except CategoryNotEmpty as error:
        refusal = ctx.t.plain("admin.catalog.error.not_empty", items=error.items, subcategories=error.subcategories)
        await ctx.notify(refusal, alert=True)
        await show_category(ctx, data.category_id)
        return
    await ctx.notify(ctx.t.plain("admin.catalog.deleted"))
    await show_category(ctx, tree.category.parent_id or 0)


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
