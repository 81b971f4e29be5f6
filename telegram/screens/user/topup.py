"""Topping up the balance: an amount (a preset or typed), a payment method, an invoice.

Stars and card payments arrive as Telegram invoices in the chat (the checkout screens settle them);
CryptoPay gives a link to pay at, and a "Check payment" button for the impatient (the reconciler and
the webhook credit it anyway). Choosing CryptoPay again for the same amount shows the invoice already
held; a buyer holding too many unpaid ones is told so; "Check payment" pressed again within a few
seconds is answered without asking CryptoPay.
"""

import uuid
from decimal import Decimal
from typing import Any

from storage import CENT, InvoiceLimit
from telegram.amounts import parse_amount
from telegram.payments import CheckTooSoon, Opened, PaymentDesk, ProviderFailed
from telegram.routing import Context, Router, Row, keyboard
from telegram.screens.user.callbacks import CheckPayment, OpenProfile, PayWith, TopUp, TopUpAmount
from telegram.types import InlineKeyboardButton, InlineKeyboardMarkup

router = Router(name=__name__)

# Amounts offered as buttons (in the shop's currency), where the configured bounds allow.
PRESETS = (Decimal(5), Decimal(10), Decimal(25), Decimal(50), Decimal(100))
METHOD_LABEL = {"stars": "topup.method.stars", "fiat": "topup.method.fiat", "cryptopay": "topup.method.cryptopay"}


def desk_of(ctx: Context) -> PaymentDesk | None:
    return ctx.shop.payments


@router.callback(TopUp)
async def top_up(ctx: Context, _data: TopUp) -> None:
    desk = desk_of(ctx)
    if desk is None or not desk.methods:
        await ctx.notify(ctx.t.plain("topup.unavailable"), alert=True)
        return
    bounds = desk.settings
    await ctx.expect("topup_amount")
    presets = [(ctx.t.plain("topup.preset", amount=amount), TopUpAmount(amount=amount)) for amount in _presets(desk)]
    rows = [presets[i : i + 3] for i in range(0, len(presets), 3)]
    await ctx.show(
        ctx.t("topup.ask", low=bounds.min_topup.quantize(CENT), high=bounds.max_topup.quantize(CENT)),
        keyboard(*rows, [(ctx.t.plain("button.back"), OpenProfile())]),
    )


def _presets(desk: PaymentDesk) -> list[Decimal]:
    low, high = desk.settings.min_topup, desk.settings.max_topup
    inside = [amount for amount in PRESETS if low <= amount <= high]
    return inside or [low.quantize(CENT)]


@router.pending("topup_amount")
async def typed_amount(ctx: Context, text: str, _data: dict[str, Any]) -> None:
    desk = desk_of(ctx)
    if desk is None:
        await ctx.forget()
        return
    amount = parse_amount(text)
    low, high = desk.settings.min_topup.quantize(CENT), desk.settings.max_topup.quantize(CENT)
    cancel = keyboard([(ctx.t.plain("button.cancel"), OpenProfile())])
    if amount is None:
        await ctx.reply(ctx.t("topup.not_a_number", low=low, high=high), cancel)
        return
    if not low <= amount <= high:
        await ctx.reply(ctx.t("topup.out_of_range", low=low, high=high), cancel)
        return
    await ctx.forget()
    await methods(ctx, TopUpAmount(amount=amount))


@router.callback(TopUpAmount)
async def methods(ctx: Context, data: TopUpAmount) -> None:
    """The enabled payment methods for this amount, each with what it costs there."""
    desk = desk_of(ctx)
    if desk is None or not _in_bounds(desk, data.amount):
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    await ctx.forget()
    amount = data.amount.quantize(CENT)
    rows: list[Row] = [
        [(_method_label(ctx, desk, method, amount), PayWith(method=method, amount=amount))] for method in desk.methods
    ]
    rows.append([(ctx.t.plain("button.back"), TopUp())])
    await ctx.show(ctx.t("topup.methods", amount=amount), keyboard(*rows))


def _in_bounds(desk: PaymentDesk, amount: Decimal) -> bool:
    return amount.is_finite() and desk.settings.min_topup <= amount <= desk.settings.max_topup and amount == amount.quantize(CENT)


def _method_label(ctx: Context, desk: PaymentDesk, method: str, amount: Decimal) -> str:
    """The method with what it costs there: Stars in Stars, the others in the shop's currency."""
    return ctx.t.plain(METHOD_LABEL[method], stars=desk.price("stars", amount)[1], amount=amount)


@router.callback(PayWith)
async def pay_with(ctx: Context, data: PayWith) -> None:
    desk = desk_of(ctx)
    if desk is None or data.method not in desk.methods or not _in_bounds(desk, data.amount):
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    amount = data.amount.quantize(CENT)
    try:
        opened = await desk.open(ctx.user, ctx.t, data.method, amount)
    except ProviderFailed:
        await ctx.notify(ctx.t.plain("topup.provider_failed"), alert=True)
        return
    if isinstance(opened, InvoiceLimit):
        await ctx.notify(ctx.t.plain("topup.crypto_limit"), alert=True)
        return
    assert isinstance(opened, Opened)  # a top-up names no item, so storage has nothing else to refuse
    await ctx.notify()
    if opened.pay_url is None:
        return  # the invoice is in the chat: Telegram's own Pay button takes it from here
    await ctx.show(ctx.t("topup.crypto", amount=amount), crypto_markup(ctx, opened))


def crypto_markup(ctx: Context, opened: Opened) -> InlineKeyboardMarkup:
    assert opened.pay_url is not None
    check = CheckPayment(order=uuid.UUID(opened.payment.id).hex)
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=ctx.t.plain("topup.button.pay"), url=opened.pay_url)],
            [InlineKeyboardButton(text=ctx.t.plain("topup.button.check"), callback_data=check.pack())],
            [InlineKeyboardButton(text=ctx.t.plain("button.back"), callback_data=OpenProfile().pack())],
        ]
    )


@router.callback(CheckPayment)
async def check_payment(ctx: Context, data: CheckPayment) -> None:
    desk = desk_of(ctx)
    payment = await ctx.shop.store.get_payment(data.order, user_id=ctx.user.id) if desk is not None else None
    if desk is None or payment is None:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    if payment.status != "pending" and payment.status != "expired":
        await ctx.notify(ctx.t.plain("topup.check.already"), alert=True)
        return
    try:
        outcome = await desk.check(payment)
    except ProviderFailed:
        await ctx.notify(ctx.t.plain("topup.provider_failed"), alert=True)
        return
    if isinstance(outcome, CheckTooSoon):
        await ctx.notify(ctx.t.plain("topup.check.too_soon"))
        return
    if outcome is None:
        key = "topup.check.expired" if payment.status == "expired" else "topup.check.unpaid"
        await ctx.notify(ctx.t.plain(key), alert=True)
        return
    # Settled: the desk has told the buyer in a message of its own.
    await ctx.notify()
