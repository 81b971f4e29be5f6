"""/start and the main menu."""

from telegram.routing import Context, Router, keyboard
from telegram.screens.admin.access import is_staff
from telegram.screens.admin.callbacks import AdminPanel
from telegram.screens.user.callbacks import OpenHelp, OpenMenu, OpenProfile, OpenShop, RedeemPromo, StartSearch
from telegram.types import InlineKeyboardMarkup

router = Router(name=__name__)


def main_keyboard(ctx: Context) -> InlineKeyboardMarkup:
    return keyboard(
        [
            (ctx.t.plain("button.shop"), OpenShop()),
            (ctx.t.plain("catalog.search.button"), StartSearch()),
            (ctx.t.plain("button.profile"), OpenProfile()),
        ],
        [(ctx.t.plain("buy.button_redeem"), RedeemPromo()), (ctx.t.plain("pages.button.help"), OpenHelp())],
        *([[(ctx.t.plain("admin.button.panel"), AdminPanel())]] if is_staff(ctx.user) else []),
    )


@router.command("start")
async def start(ctx: Context, _payload: str) -> None:
    await ctx.reply(ctx.t("menu.welcome", name=ctx.user.first_name or ctx.user.username or ""), main_keyboard(ctx))


@router.command("menu")
async def menu_command(ctx: Context, _args: str) -> None:
    await ctx.reply(ctx.t("menu.main"), main_keyboard(ctx))


@router.callback(OpenMenu)
async def open_menu(ctx: Context, _data: OpenMenu) -> None:
    await ctx.show(ctx.t("menu.main"), main_keyboard(ctx))
