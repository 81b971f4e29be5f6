"""Credit promo codes: `/redeem CODE`, or the main menu's 🎁 Promo code button and the code typed.

Discount codes are applied on the order screen instead (telegram/screens/user/buy.py); one typed here
is refused with a pointer there.
"""

from typing import Any

from storage import PROMO_CODE, PromoCredited
from telegram.callback_data import CallbackData
from telegram.routing import Context, Router, keyboard
from telegram.screens.user.buy import promo_reason
from telegram.screens.user.callbacks import OpenMenu, RedeemPromo
from telegram.screens.user.menu import open_menu

router = Router(name=__name__)


class StopRedeeming(CallbackData, prefix="redeemx"):
    """Cancel: stop waiting for a code, back to the main menu."""


@router.command("redeem")
async def redeem_command(ctx: Context, args: str) -> None:
    if args:
        await redeem(ctx, args)
    else:
        await ask_code(ctx, RedeemPromo())


@router.callback(RedeemPromo)
async def ask_code(ctx: Context, _data: RedeemPromo) -> None:
    await ctx.expect("redeem_code")
    await ctx.show(ctx.t("buy.redeem_ask"), keyboard([(ctx.t.plain("button.cancel"), StopRedeeming())]))


@router.callback(StopRedeeming)
async def stop_redeeming(ctx: Context, _data: StopRedeeming) -> None:
    await ctx.forget()
    await open_menu(ctx, OpenMenu())


@router.pending("redeem_code")
async def typed_code(ctx: Context, text: str, _data: dict[str, Any]) -> None:
    await redeem(ctx, text)


async def redeem(ctx: Context, code: str) -> None:
    """Credit the code's amount; a refusal is explained and the bot waits for another try. Once per
    update: a replay after a crash does not redeem again (the dispatcher ends it quietly). Text that
    cannot be a code (over 32 characters, other characters) is an unknown code, told so without
    asking the store."""
    code = code.strip()
    result = None
    if PROMO_CODE.fullmatch(code.upper()):
        result = await ctx.shop.store.redeem_promo(code, ctx.user.id, once=ctx.update.update_id)
    if isinstance(result, PromoCredited):
        await ctx.forget()
        text = ctx.t("buy.redeem_done", code=result.code, amount=result.amount, balance=result.balance)
        await ctx.reply(text, keyboard([(ctx.t.plain("button.main_menu"), OpenMenu())]))
        return
    await ctx.expect("redeem_code")
    cancel = keyboard([(ctx.t.plain("button.cancel"), StopRedeeming())])
    reason = result.reason if result is not None else "unknown"
    await ctx.reply(ctx.t("buy.promo_retry", reason=promo_reason(ctx, reason)), cancel)
