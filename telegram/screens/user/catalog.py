"""Shop → categories → items → item card. Every step edits the same message."""

from telegram.routing import Context, Router, keyboard
from telegram.screens.user.callbacks import BuyItem, OpenCategory, OpenItem, OpenMenu, OpenShop

router = Router(name=__name__)


@router.callback(OpenShop)
async def categories(ctx: Context, _data: OpenShop) -> None:
    found = [c for c in await ctx.shop.store.list_categories() if c.item_count]
    back = [(ctx.t.plain("button.main_menu"), OpenMenu())]
    if not found:
        await ctx.show(ctx.t("shop.empty"), keyboard(back))
        return
    rows = [[(ctx.t.plain("shop.category_button", name=c.name, count=c.item_count), OpenCategory(category_id=c.id))] for c in found]
    await ctx.show(ctx.t("shop.categories"), keyboard(*rows, back))


@router.callback(OpenCategory)
async def items(ctx: Context, data: OpenCategory) -> None:
    page = await ctx.shop.store.category_page(data.category_id)
    if page is None:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        await categories(ctx, OpenShop())
        return
    category, found = page.category, page.items
    rows = [[(ctx.t.plain("shop.item_button", title=i.title, price=i.price), OpenItem(item_id=i.id))] for i in found]
    back = [(ctx.t.plain("button.back"), OpenShop())]
    key = "shop.items" if found else "shop.no_items"
    await ctx.show(ctx.t(key, category=category.name), keyboard(*rows, back))


@router.callback(OpenItem)
async def item_card(ctx: Context, data: OpenItem) -> None:
    item = await ctx.shop.store.get_item(data.item_id)
    if item is None:
        await ctx.notify(ctx.t.plain("item.gone"), alert=True)
        await categories(ctx, OpenShop())
        return
    rows = []
    if item.stock_left > 0:
        rows.append([(ctx.t.plain("button.buy"), BuyItem(item_id=item.id))])
    rows.append([(ctx.t.plain("button.back"), OpenCategory(category_id=item.category_id))])
    text = ctx.t("item.card", title=item.title, description=item.description, price=item.price, left=item.stock_left)
    await ctx.show(text, keyboard(*rows))
