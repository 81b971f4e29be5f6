"""Buy → quantity → confirmation (with a promo code) → the goods in the chat.

The purchase itself is the serializer's and the database's. The Confirm button carries the quantity
and the total the buyer saw; the purchase is refused rather than charged when anything would make it
cost something else. A promo code the buyer applied is conversation state (key-value store), tied to
the item it was applied to, and checked again inside the purchase.

Each confirmation screen is one order: its purchase key is also the key its Stars payment buys with
(see checkout and storage.orders). Once bought by either route, its screen is the receipt, and a
later press of its Confirm (or Pay with Stars) is answered "already paid" and charges nothing;
another unit is a new order, from the item's Buy.
"""

import secrets
from typing import Any

import msgspec

from storage import (
    PROMO_CODE,
    Delivered,
    InsufficientFunds,
    ItemRecord,
    ItemUnavailable,
    PriceChanged,
    PromoDiscount,
    PromoRefusal,
    PromoRejected,
    PurchasePreview,
    PurchaseRequest,
    SoldOut,
    Step,
)
from telegram.callback_data import CallbackData
from telegram.delivery import send_delivery
from telegram.routing import Context, PurchaseUnavailable, Router, Row, StateSlot, keyboard
from telegram.screens.typed import whole_number
from telegram.screens.user.callbacks import (
    BuyItem,
    ConfirmPurchase,
    OpenItem,
    OpenShop,
    PayItem,
    TopUp,
)
from telegram.screens.user.catalog import categories, item_card
from telegram.screens.user.receipt import receipt

router = Router(name=__name__)

# The quantities offered as buttons, up to the order's limit (which is always offered too).
QUANTITY_STEPS = (1, 2, 3, 4, 5, 10, 20, 50, 100, 200, 500, 1000)
BUTTONS_PER_ROW = 5
# An applied promo code is remembered this long for the order it was applied to.
CHECKOUT_SECONDS = 24 * 3600.0

PROMO_REASON_TEXT = {
    "unknown": "buy.promo_unknown",
    "inactive": "buy.promo_inactive",
    "expired": "buy.promo_expired",
    "used_up": "buy.promo_used_up",
    "already_used": "buy.promo_already_used",
    "not_for_item": "buy.promo_not_for_item",
    "not_discount": "buy.promo_not_discount",
    "not_credit": "buy.promo_not_credit",
}


class ChooseQuantity(CallbackData, prefix="bqty"):
    """The confirmation of `quantity` units (checked against the stock and the limit on press)."""

    item_id: int
    quantity: int


class AskQuantity(CallbackData, prefix="bqask"):
    """ "Other amount": the buyer types the quantity."""

    item_id: int


class AskPromo(CallbackData, prefix="bpromo"):
    """The buyer types a promo code for this order."""

    item_id: int
    quantity: int


class Checkout(msgspec.Struct, frozen=True):
    """The promo code applied to the buyer's order of one item."""

    item_id: int
    code: str


CHECKOUT = StateSlot("checkout", Checkout, ttl=CHECKOUT_SECONDS)


def purchase_key(ctx: Context, order: str) -> str:
    """The purchase key of the confirmation screen whose random `order` token its buttons carry."""
    return f"order:{ctx.user.id}:{order}"


def promo_reason(ctx: Context, reason: str) -> str:
    return ctx.t.plain(PROMO_REASON_TEXT.get(reason, "buy.promo_unknown"))


def quantity_limit(ctx: Context, item: ItemRecord) -> int:
    """The most units of `item` one order may take now: kinds that never run out sell one at a time."""
    if item.stock_left is None:
        return 1
    return min(item.stock_left, ctx.shop.settings.max_quantity)


# --- the applied promo code --------------------------------------------------------------------------


async def applied_code(ctx: Context, item_id: int) -> str | None:
    checkout = await CHECKOUT.load(ctx.shop.store.kv, ctx.user.id)
    return checkout.code if checkout is not None and checkout.item_id == item_id else None


async def apply_code(ctx: Context, item_id: int, code: str) -> None:
    await CHECKOUT.save(ctx.shop.store.kv, ctx.user.id, Checkout(item_id=item_id, code=code))


async def drop_code(ctx: Context) -> None:
    await CHECKOUT.clear(ctx.shop.store.kv, ctx.user.id)


# --- quantity ----------------------------------------------------------------------------------------


@router.callback(BuyItem)
async def choose_quantity(ctx: Context, data: BuyItem) -> None:
    """The item card's Buy: a new order, so no code carries over from an earlier one."""
    await ctx.forget()
    await drop_code(ctx)
    await quantities(ctx, data.item_id)


async def quantities(ctx: Context, item_id: int) -> None:
    """How many: skipped when only one unit can be bought."""
    preview = await on_sale(ctx, await ctx.shop.store.purchase_preview(ctx.user.id, item_id, 1, await applied_code(ctx, item_id)))
    if preview is None:
        return
    item = preview.item
    limit = quantity_limit(ctx, item)
    if limit == 1:
        await show_confirmation(ctx, preview)
        return
    await show_quantities(ctx, item, limit)


async def on_sale(ctx: Context, preview: PurchasePreview | None) -> PurchasePreview | None:
    """The preview, or None (and the buyer told why, back on a current screen) when the item is
    gone or sold out."""
    if preview is None:
        await item_gone(ctx)
        return None
    if preview.item.stock_left is not None and preview.item.stock_left < 1:
        await sold_out(ctx, preview.item.id)
        return None
    return preview


async def show_quantities(ctx: Context, item: ItemRecord, limit: int) -> None:
    steps = [n for n in QUANTITY_STEPS if n < limit] + [limit]
    buttons = [(ctx.t.plain("buy.quantity_button", quantity=n), ChooseQuantity(item_id=item.id, quantity=n)) for n in steps]
    rows = [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    markup = keyboard(
        *rows,
        [(ctx.t.plain("buy.button_other_amount"), AskQuantity(item_id=item.id))],
        [(ctx.t.plain("button.cancel"), OpenItem(item_id=item.id))],
    )
    await ctx.show(ctx.t("buy.quantity", title=item.title, price=item.price, limit=limit), markup)


@router.callback(AskQuantity)
async def ask_quantity(ctx: Context, data: AskQuantity) -> None:
    item = await ctx.shop.store.get_item(data.item_id)
    if item is None:
        await item_gone(ctx)
        return
    await ctx.expect("quantity", item_id=item.id)
    cancel = keyboard([(ctx.t.plain("button.cancel"), BuyItem(item_id=item.id))])
    await ctx.show(ctx.t("buy.quantity_ask", limit=max(quantity_limit(ctx, item), 1)), cancel)


@router.pending("quantity")
async def typed_quantity(ctx: Context, text: str, data: dict[str, Any]) -> None:
    """A typed quantity: a short explanation for anything unusable, and the question stays open."""
    item_id = int(data.get("item_id", 0))
    item = await ctx.shop.store.get_item(item_id)
    if item is None:
        await ctx.forget()
        await item_gone(ctx)
        return
    if item.stock_left is not None and item.stock_left < 1:
        # Sold out while the buyer was typing: no number can be right any more.
        await ctx.forget()
        await sold_out(ctx, item.id)
        return
    limit = max(quantity_limit(ctx, item), 1)
    cancel = keyboard([(ctx.t.plain("button.cancel"), BuyItem(item_id=item.id))])
    quantity = whole_number(text)
    if quantity is None:
        await ctx.reply(ctx.t("buy.quantity_not_number", limit=limit), cancel)
    elif quantity < 1:
        await ctx.reply(ctx.t("buy.quantity_too_small", limit=limit), cancel)
    elif item.stock_left is not None and quantity > item.stock_left:
        await ctx.reply(ctx.t.n("buy.quantity_over_stock", item.stock_left, limit=limit), cancel)
    elif quantity > limit:
        await ctx.reply(ctx.t("buy.quantity_over_max", max=ctx.shop.settings.max_quantity, limit=limit), cancel)
    else:
        await ctx.forget()
        await confirmation(ctx, ChooseQuantity(item_id=item.id, quantity=quantity))


# --- confirmation ------------------------------------------------------------------------------------


@router.callback(ChooseQuantity)
async def confirmation(ctx: Context, data: ChooseQuantity) -> None:
    """The order of `quantity` units, with the applied promo code if it still applies."""
    await ctx.forget()
    code = await applied_code(ctx, data.item_id)
    preview = await on_sale(ctx, await ctx.shop.store.purchase_preview(ctx.user.id, data.item_id, max(data.quantity, 1), code))
    if preview is None:
        return
    item = preview.item
    limit = quantity_limit(ctx, item)
    if not 1 <= data.quantity <= limit:
        # A stale button (the stock fell) or a forged one: offer what can be bought now.
        if item.stock_left is not None and data.quantity > item.stock_left:
            await ctx.notify(ctx.t.n_plain("buy.only_left", item.stock_left), alert=True)
        else:
            await ctx.notify(ctx.t.plain("error.stale_button"))
        await quantities(ctx, item.id)
        return
    await show_confirmation(ctx, preview)


async def show_confirmation(ctx: Context, preview: PurchasePreview) -> None:
    """The order as it stands; an applied code that no longer applies is said so, and forgotten."""
    item, promo = preview.item, preview.promo
    if isinstance(promo, PromoRefusal):
        await drop_code(ctx)
    lines = [ctx.t("buy.confirm", title=item.title, quantity=preview.quantity, price=item.price)]
    if isinstance(promo, PromoDiscount):
        lines.append(ctx.t("buy.confirm_discount", code=promo.code, discount=promo.discount))
    elif isinstance(promo, PromoRefusal):
        lines.append(ctx.t("buy.confirm_promo_dropped", code=promo.code, reason=promo_reason(ctx, promo.reason)))
    lines.append(ctx.t("buy.confirm_total", total=preview.total, balance=preview.balance))
    order = secrets.token_urlsafe(9)
    confirm = ConfirmPurchase(item_id=item.id, quantity=preview.quantity, total=preview.total, order=order)
    rows: list[Row] = [[(ctx.t.plain("button.confirm"), confirm)]]
    desk = ctx.shop.payments
    if desk is not None and preview.total > 0:
        if "stars" in desk.methods:
            stars = desk.price("stars", preview.total)[1]
            pay = PayItem(item_id=item.id, quantity=preview.quantity, total=preview.total, order=order)
            rows.append([(ctx.t.plain("buy.button_stars", stars=stars), pay)])
        if preview.balance < preview.total:
            rows.append([(ctx.t.plain("profile.button.topup"), TopUp())])
    rows.append([(ctx.t.plain("buy.button_promo"), AskPromo(item_id=item.id, quantity=preview.quantity))])
    rows.append([(ctx.t.plain("button.cancel"), OpenItem(item_id=item.id))])
    markup = keyboard(*rows)
    await ctx.show("\n".join(lines), markup)


@router.callback(AskPromo)
async def ask_promo(ctx: Context, data: AskPromo) -> None:
    await ctx.expect("promo_code", item_id=data.item_id, quantity=data.quantity)
    cancel = keyboard([(ctx.t.plain("button.cancel"), ChooseQuantity(item_id=data.item_id, quantity=data.quantity))])
    await ctx.show(ctx.t("buy.promo_ask"), cancel)


@router.pending("promo_code")
async def typed_promo(ctx: Context, text: str, data: dict[str, Any]) -> None:
    """A typed code: applied when it takes something off this order, else explained (the question
    stays open). Text that cannot be a code (over 32 characters, other characters) is an unknown code,
    told so without asking the store."""
    item_id, quantity = int(data.get("item_id", 0)), int(data.get("quantity", 1))
    code = text.strip()
    preview = None
    if PROMO_CODE.fullmatch(code.upper()):
        preview = await ctx.shop.store.purchase_preview(ctx.user.id, item_id, max(quantity, 1), code)
        if preview is None:
            await ctx.forget()
            await item_gone(ctx)
            return
    if preview is None or not isinstance(preview.promo, PromoDiscount):
        refusal = preview.promo if preview is not None else None
        reason = promo_reason(ctx, refusal.reason if isinstance(refusal, PromoRefusal) else "unknown")
        cancel = keyboard([(ctx.t.plain("button.cancel"), ChooseQuantity(item_id=item_id, quantity=quantity))])
        await ctx.reply(ctx.t("buy.promo_retry", reason=reason), cancel)
        return
    await ctx.forget()
    await apply_code(ctx, item_id, preview.promo.code)
    await confirmation(ctx, ChooseQuantity(item_id=item_id, quantity=quantity))


# --- the purchase ------------------------------------------------------------------------------------


@router.callback(ConfirmPurchase)
async def purchase(ctx: Context, data: ConfirmPurchase) -> None:
    assert ctx.callback is not None
    if not 1 <= data.quantity <= ctx.shop.settings.max_quantity:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        await quantities(ctx, data.item_id)
        return
    await ctx.shop.store.reach(ctx.user.id, Step.CONFIRMED)
    code = await applied_code(ctx, data.item_id)
    request = PurchaseRequest(
        # The button's order token is the idempotency key: a double tap, a press seen twice, or the
        # order paid with Stars meanwhile, buys once (each tap has its own callback query id, so that
        # id cannot be the key).
        key=purchase_key(ctx, data.order),
        user_id=ctx.user.id,
        item_id=data.item_id,
        quantity=data.quantity,
        promo_code=code,
        expected_total=data.total,
    )
    try:
        result = await ctx.shop.buy(request)
    except PurchaseUnavailable:
        await ctx.notify(ctx.t.plain("buy.failed"), alert=True)
        return
    again = ChooseQuantity(item_id=data.item_id, quantity=data.quantity)
    match result:
        case Delivered(repeated=True):
            await already_paid(ctx, result)
        case Delivered():
            # The answer cannot stop the goods (see Context.notify); the goods go before anything else can.
            await ctx.notify()
            await send_delivery(ctx.bot, ctx.shop.store, ctx.chat_id, ctx.t, result)
            await drop_code(ctx)
            await show_done(ctx, result)
            await ctx.shop.store.reach(ctx.user.id, Step.PAID)
        case SoldOut(stock_left=left) if left > 0:
            await ctx.notify(ctx.t.n_plain("buy.only_left", left), alert=True)
            await quantities(ctx, data.item_id)
        case SoldOut():
            await sold_out(ctx, data.item_id)
        case InsufficientFunds():
            await ctx.notify(ctx.t.plain("buy.no_funds", needed=result.needed, balance=result.balance), alert=True)
            await item_card(ctx, OpenItem(item_id=data.item_id))
        case PriceChanged():
            await ctx.notify(ctx.t.plain("buy.price_changed", total=result.total), alert=True)
            await confirmation(ctx, again)
        case PromoRejected():
            await drop_code(ctx)
            await ctx.notify(ctx.t.plain("buy.promo_rejected", reason=promo_reason(ctx, result.reason)), alert=True)
            await confirmation(ctx, again)
        case ItemUnavailable():
            await item_gone(ctx)


async def show_done(ctx: Context, delivered: Delivered) -> None:
    await ctx.show(*receipt(ctx.t, delivered))


async def already_paid(ctx: Context, delivered: Delivered) -> None:
    """The order of this screen was bought before (with Stars, or by this very press handled once
    already: a double tap, an update replayed after a crash): nothing is charged or sent again, and
    the screen becomes the receipt, whose purchase button sends the goods again."""
    await ctx.notify(ctx.t.plain("buy.already_paid"), alert=True)
    await drop_code(ctx)
    await show_done(ctx, delivered)


# An alert answers a button press; typed text has no alert, so it gets a message.


async def item_gone(ctx: Context) -> None:
    if ctx.callback is not None:
        await ctx.notify(ctx.t.plain("item.gone"), alert=True)
    else:
        await ctx.reply(ctx.t("item.gone"))
    await categories(ctx, OpenShop())


async def sold_out(ctx: Context, item_id: int) -> None:
    if ctx.callback is not None:
        await ctx.notify(ctx.t.plain("buy.sold_out"), alert=True)
    else:
        await ctx.reply(ctx.t("buy.sold_out"))
    await item_card(ctx, OpenItem(item_id=item_id))
