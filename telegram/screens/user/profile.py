"""The buyer's profile: who they are and their balance."""

from telegram.routing import Context, Router, keyboard
from telegram.screens.user.callbacks import OpenMenu, OpenProfile

router = Router(name=__name__)


@router.callback(OpenProfile)
async def profile(ctx: Context, _data: OpenProfile) -> None:
    user = await ctx.shop.store.get_user(ctx.user.id)
    balance = user.balance if user is not None else ctx.user.balance
    await ctx.show(ctx.t("profile.card", id=ctx.user.id, balance=balance), keyboard([(ctx.t.plain("button.main_menu"), OpenMenu())]))
