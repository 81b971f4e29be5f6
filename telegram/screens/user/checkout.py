"""Telegram's side of a payment: the pre-checkout query, successful_payment, refunded_payment, and
buying an item directly with Stars from its confirmation screen (the screen's order: bought once,
whether by its Stars or by its Confirm; see telegram.screens.user.buy).

These updates pass no channel gate and no pending question (see the dispatcher): money moves
whatever the buyer was doing.
"""

from storage import Delivered, PaymentRejected, PriceChanged, PromoRejected, SoldOut, Step
from telegram.payments import Opened, ProviderFailed
from telegram.routing import Context, Router
from telegram.screens.user.buy import (
    ChooseQuantity,
    already_paid,
    applied_code,
    confirmation,
    item_gone,
    promo_reason,
    purchase_key,
    sold_out,
)
from telegram.screens.user.callbacks import PayItem
from telegram.types import PreCheckoutQuery, RefundedPayment, SuccessfulPayment

router = Router(name=__name__)


@router.pre_checkout()
async def pre_checkout(ctx: Context, query: PreCheckoutQuery) -> None:
    desk = ctx.shop.payments
    if desk is None:
        await ctx.bot.answer_pre_checkout_query(query.id, False, ctx.t.plain("payment.refused.unknown"))
        return
    await desk.answer_pre_checkout(query, ctx.t)


@router.message_with("successful_payment")
async def paid(ctx: Context, payment: SuccessfulPayment) -> None:
    desk = ctx.shop.payments
    outcome = await desk.telegram_paid(payment) if desk is not None else None
    if outcome is None or isinstance(outcome, PaymentRejected):
        # Money was taken for an order the shop cannot match: the staff sort it out by hand.
        await ctx.reply(ctx.t("payment.rejected", charge_id=payment.telegram_payment_charge_id))


@router.message_with("refunded_payment")
async def refunded(ctx: Context, notice: RefundedPayment) -> None:
    if ctx.shop.payments is not None:
        await ctx.shop.payments.refunded(notice)


@router.callback(PayItem)
async def pay_item(ctx: Context, data: PayItem) -> None:
    """An invoice in Stars for the order on the confirmation screen; paying it buys the item (with the
    screen's purchase key), and the screen becomes the receipt. An order bought already gets no
    invoice: it is "already paid"."""
    desk = ctx.shop.payments
    if desk is None or "stars" not in desk.methods or not 1 <= data.quantity <= ctx.shop.settings.max_quantity:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    # The funnel's "confirmed" (the dashboard), as Confirm's.
    await ctx.shop.store.reach(ctx.user.id, Step.CONFIRMED)
    code = await applied_code(ctx, data.item_id)
    # The stock is left to the order (desk.open): an order that bought the last unit is "already
    # paid", not sold out.
    preview = await ctx.shop.store.purchase_preview(ctx.user.id, data.item_id, data.quantity, code)
    if preview is None:
        await item_gone(ctx)
        return
    again = ChooseQuantity(item_id=data.item_id, quantity=data.quantity)
    screen = ctx.callback.message if ctx.callback is not None else None
    try:
        opened = await desk.open(
            ctx.user,
            ctx.t,
            "stars",
            data.total,
            item=preview.item,
            quantity=data.quantity,
            promo_code=code,
            purchase_key=purchase_key(ctx, data.order),
            screen_id=screen.message_id if screen is not None else None,
        )
    except ProviderFailed:
        await ctx.notify(ctx.t.plain("topup.provider_failed"), alert=True)
        return
    match opened:
        case Opened():
            await ctx.notify()
        case Delivered():
            await already_paid(ctx, opened)
        case PriceChanged():
            await ctx.notify(ctx.t.plain("buy.price_changed", total=opened.total), alert=True)
            await confirmation(ctx, again)
        case SoldOut():
            await sold_out(ctx, data.item_id)
        case PromoRejected():
            await ctx.notify(ctx.t.plain("buy.promo_rejected", reason=promo_reason(ctx, opened.reason)), alert=True)
            await confirmation(ctx, again)
        case _:  # ItemUnavailable
            await item_gone(ctx)
