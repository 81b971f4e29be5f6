"""Shop → categories → a category's subcategories and items → the item card, each list one page at a
time. Every step edits the same message; an item with a photo is shown as a photo card, which the next
screen replaces (a photo's caption cannot be edited into a text message).
"""

import logging
from collections.abc import Callable

from storage import CategoryRecord, ItemRecord, Page, Step, shortened
from telegram.callback_data import CallbackData
from telegram.errors import BadRequest
from telegram.limits import CAPTION_LIMIT, TEXT_LIMIT, cut, html_units, units
from telegram.routing import Context, Router, Row, keyboard
from telegram.screens.paging import pager
from telegram.screens.user.callbacks import BuyItem, OpenCategory, OpenItem, OpenMenu, OpenShop, ShowReviews

router = Router(name=__name__)
log = logging.getLogger(__name__)


def jump_pager[T](ctx: Context, page: Page[T], to_page: Callable[[int], CallbackData]) -> Row:
    """The pager row, with « and » to the first and the last page where ‹ and › do not already go."""
    row = pager(ctx, page, to_page)
    if page.number > 2:
        row.insert(0, (ctx.t.plain("catalog.first_page"), to_page(1)))
    if page.number < page.pages - 1:
        row.append((ctx.t.plain("catalog.last_page"), to_page(page.pages)))
    return row


def item_button(ctx: Context, item: ItemRecord) -> tuple[str, CallbackData]:
    return ctx.t.plain("catalog.item_button", title=item.title, price=item.price), OpenItem(item_id=item.id)


def _category_button(ctx: Context, category: CategoryRecord) -> tuple[str, CallbackData]:
    count = category.item_count + category.nested_count
    return ctx.t.plain("catalog.category_button", name=category.name, count=count), OpenCategory(category_id=category.id)


def _with_pager(rows: list[Row], pages: Row) -> list[Row]:
    return [*rows, pages] if pages else rows


@router.callback(OpenShop)
async def categories(ctx: Context, data: OpenShop) -> None:
    page = await ctx.shop.store.shop_page(data.page, ctx.shop.settings.page_size)
    back = [(ctx.t.plain("button.main_menu"), OpenMenu())]
    if not page.total:
        await ctx.show(ctx.t("catalog.shop_empty"), keyboard(back))
        return
    rows = [[_category_button(ctx, category)] for category in page.rows]
    pages = jump_pager(ctx, page, lambda number: OpenShop(page=number))
    await ctx.show(ctx.t("catalog.shop"), keyboard(*_with_pager(rows, pages), back))


@router.callback(OpenCategory)
async def category(ctx: Context, data: OpenCategory) -> None:
    view = await ctx.shop.store.category_page(data.category_id, data.page, ctx.shop.settings.page_size)
    if view is None:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        await categories(ctx, OpenShop())
        return
    here = view.category
    name = here.name
    if view.parent_name is not None:
        name = ctx.t.plain("catalog.path", parent=view.parent_name, name=here.name)
    entries = view.entries
    if not entries.total:
        text = ctx.t("catalog.category_empty", category=name)
    elif not view.subcategory_count:
        text = ctx.t("catalog.category_items", category=name)
    elif view.subcategory_count == entries.total:
        text = ctx.t("catalog.category_sections", category=name)
    else:
        text = ctx.t("catalog.category_mixed", category=name)
    rows = [
        [_category_button(ctx, entry) if isinstance(entry, CategoryRecord) else item_button(ctx, entry)] for entry in entries.rows
    ]
    pages = jump_pager(ctx, entries, lambda number: OpenCategory(category_id=here.id, page=number))
    if here.parent_id is None:
        back: CallbackData = OpenShop(page=view.back_page)
    else:
        back = OpenCategory(category_id=here.parent_id, page=view.back_page)
    await ctx.show(text, keyboard(*_with_pager(rows, pages), [(ctx.t.plain("button.back"), back)]))


@router.callback(OpenItem)
async def item_card(ctx: Context, data: OpenItem) -> None:
    card = await ctx.shop.store.item_card(data.item_id, ctx.shop.settings.page_size)
    if card is None:
        await ctx.notify(ctx.t.plain("item.gone"), alert=True)
        await categories(ctx, OpenShop())
        return
    # The funnel's "opened an item" (the dashboard): written once per user, whatever the views.
    await ctx.shop.store.reach(ctx.user.id, Step.OPENED)
    item = card.item
    rows: list[Row] = []
    if item.stock_left is None or item.stock_left > 0:
        rows.append([(ctx.t.plain("button.buy"), BuyItem(item_id=item.id))])
    if item.rating_count:
        rows.append([(ctx.t.n_plain("catalog.reviews_button", item.rating_count), ShowReviews(item_id=item.id))])
    rows.append([(ctx.t.plain("button.back"), OpenCategory(category_id=item.category_id, page=card.category_page))])
    markup = keyboard(*rows)
    if item.photo:
        try:
            await ctx.show_photo(item.photo, card_text(ctx, item, CAPTION_LIMIT), markup)
            return
        except BadRequest as error:
            # A file_id from another bot or an URL Telegram cannot fetch: the card still shows, as text.
            log.warning("item %s: photo %r not sent (%s); showing the card as text", item.id, shortened(item.photo), error)
    await ctx.show(card_text(ctx, item, TEXT_LIMIT), markup)


def card_text(ctx: Context, item: ItemRecord, limit: int) -> str:
    """The item card in Telegram HTML, its description cut short (…) so that it fits in `limit`: the
    title, the description when there is one, then the price, the stock (or Sold out) and the rating."""
    if item.stock_left is None:
        stock = ctx.t("catalog.card_stock", left=ctx.t.plain("catalog.unlimited"))
    elif item.stock_left < 1:
        stock = ctx.t("catalog.card_sold_out")
    else:
        stock = ctx.t("catalog.card_stock", left=ctx.t.n_plain("catalog.units", item.stock_left))
    facts = [ctx.t("catalog.card_price", price=item.price), stock]
    if item.rating is not None and item.rating_count:
        reviews = ctx.t.n_plain("catalog.reviews", item.rating_count)
        facts.append(ctx.t("catalog.card_rating", rating=str(item.rating), reviews=reviews))

    def render(description: str) -> str:
        if description:
            head = ctx.t("catalog.card_described", title=item.title, description=description)
        else:
            head = ctx.t("catalog.card_title", title=item.title)
        return head + "\n\n" + "\n".join(facts)

    text = render(item.description)
    over = html_units(text) - limit
    if over > 0:
        # The description is escaped into the card, so each of its characters shows as itself.
        ellipsis = ctx.t.plain("catalog.ellipsis")
        kept = cut(item.description, units(item.description) - over - units(ellipsis), ellipsis="")
        text = render(kept.rstrip() + ellipsis)
    return text
