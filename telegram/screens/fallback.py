"""What everything no screen matched gets: a short explanation and a way back to the menu."""

from telegram.routing import Context, Router
from telegram.screens.user.menu import main_keyboard

router = Router(name=__name__)


@router.text()
async def unknown_text(ctx: Context) -> None:
    key = "error.unknown_command" if ctx.command is not None else "error.text"
    await ctx.reply(ctx.t(key), main_keyboard(ctx))


@router.any_callback()
async def stale_button(ctx: Context) -> None:
    await ctx.notify(ctx.t.plain("error.stale_button"))
    await ctx.show(ctx.t("menu.main"), main_keyboard(ctx))
