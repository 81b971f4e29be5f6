"""Purchase history: the buyer's purchases, newest first; one opened shows its details and sends the
goods again.

A purchase opens for its owner only. Any other id in a button (another user's, an unknown or a
malformed one) gets the same "not found" and is written to the audit log as a security event.
"""

from storage import Page, PurchaseRow
from telegram.delivery import send_delivery
from telegram.routing import Context, Router, Row, keyboard
from telegram.screens.paging import pager
from telegram.screens.user.callbacks import OpenMenu, OpenProfile, OpenPurchase, PurchaseHistory, RateItem
from telegram.screens.user.dates import date_time, short_date
from telegram.types import InlineKeyboardMarkup

router = Router(name=__name__)


@router.callback(PurchaseHistory)
async def history(ctx: Context, data: PurchaseHistory) -> None:
    page = await ctx.shop.store.purchase_history(ctx.user.id, data.page, ctx.shop.settings.page_size)
    if not page.total:
        await ctx.show(ctx.t("history.empty"), keyboard([(ctx.t.plain("button.back"), OpenProfile())]))
        return
    await ctx.show(ctx.t.n("history.list", page.total), _history_keyboard(ctx, page))


def _history_keyboard(ctx: Context, page: Page[PurchaseRow]) -> InlineKeyboardMarkup:
    rows: list[Row] = [
        [
            (
                ctx.t.plain("history.row", date=short_date(ctx, row.created_at), title=row.item_title, total=row.total),
                OpenPurchase(purchase_id=row.id, page=page.number),
            )
        ]
        for row in page.rows
    ]
    pages = pager(ctx, page, lambda number: PurchaseHistory(page=number))
    if pages:
        rows.append(pages)
    rows.append([(ctx.t.plain("button.back"), OpenProfile())])
    return keyboard(*rows)


@router.callback(OpenPurchase)
async def purchase(ctx: Context, data: OpenPurchase) -> None:
    delivered = await ctx.shop.store.purchase_of(ctx.user.id, data.purchase_id)
    if delivered is None:
        await ctx.shop.store.record_event("purchase.foreign_id", actor_id=ctx.user.id, target=data.purchase_id, security=True)
        await ctx.notify(ctx.t.plain("history.not_found"), alert=True)
        await history(ctx, PurchaseHistory(page=data.page))
        return
    text = ctx.t(
        "history.purchase",
        id=delivered.purchase_id,
        date=date_time(ctx, delivered.created_at),
        title=delivered.item_title,
        quantity=delivered.quantity,
        total=delivered.total,
        discount=delivered.discount,
    )
    markup = keyboard(
        [(ctx.t.plain("history.button.rate"), RateItem(item_id=delivered.item_id))],
        [(ctx.t.plain("history.button.back"), PurchaseHistory(page=data.page))],
        [(ctx.t.plain("button.main_menu"), OpenMenu())],
    )
    await ctx.notify()
    await ctx.show(text, markup)
    await send_delivery(ctx.bot, ctx.shop.store, ctx.chat_id, ctx.t, delivered)
