"""Buy → Confirm → the goods in the chat. The purchase itself is the serializer's and the database's."""

from storage import Delivered, InsufficientFunds, ItemUnavailable, PurchaseRequest, SoldOut
from telegram.routing import Context, Router, keyboard
from telegram.screens.user.callbacks import BuyItem, ConfirmPurchase, OpenItem, OpenMenu, OpenShop
from telegram.screens.user.catalog import categories, item_card
from telegram.screens.user.delivery import send_delivery

router = Router(name=__name__)


@router.callback(BuyItem)
async def confirm(ctx: Context, data: BuyItem) -> None:
    preview = await ctx.shop.store.purchase_preview(ctx.user.id, data.item_id)
    if preview is None:
        await ctx.notify(ctx.t.plain("item.gone"), alert=True)
        await categories(ctx, OpenShop())
        return
    item, balance = preview.item, preview.balance
    if item.stock_left < 1:
        await ctx.notify(ctx.t.plain("buy.sold_out"), alert=True)
        await item_card(ctx, OpenItem(item_id=item.id))
        return
    markup = keyboard(
        [(ctx.t.plain("button.confirm"), ConfirmPurchase(item_id=item.id))],
        [(ctx.t.plain("button.cancel"), OpenItem(item_id=item.id))],
    )
    await ctx.show(ctx.t("buy.confirm", title=item.title, price=item.price, balance=balance), markup)


@router.callback(ConfirmPurchase)
async def purchase(ctx: Context, data: ConfirmPurchase) -> None:
    assert ctx.callback is not None
    # The callback query id is the idempotency key: the same press, seen twice, buys once.
    result = await ctx.shop.buy(PurchaseRequest(key=f"cb:{ctx.callback.id}", user_id=ctx.user.id, item_id=data.item_id))
    match result:
        case Delivered():
            await ctx.notify()
            await send_delivery(ctx, result)
            done = ctx.t("buy.done", title=result.item_title, price=result.total, balance=result.balance)
            await ctx.show(done, keyboard([(ctx.t.plain("button.shop"), OpenShop()), (ctx.t.plain("button.main_menu"), OpenMenu())]))
        case SoldOut():
            await ctx.notify(ctx.t.plain("buy.sold_out"), alert=True)
            await item_card(ctx, OpenItem(item_id=data.item_id))
        case InsufficientFunds():
            await ctx.notify(ctx.t.plain("buy.no_funds", needed=result.needed, balance=result.balance), alert=True)
            await item_card(ctx, OpenItem(item_id=data.item_id))
        case ItemUnavailable():
            await ctx.notify(ctx.t.plain("item.gone"), alert=True)
            await categories(ctx, OpenShop())
