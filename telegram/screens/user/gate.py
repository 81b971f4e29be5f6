"""The required channel's screens: the way in for a non-member, and "I've joined".

The check itself is `telegram.routing.gate.ChannelGate`, run by the dispatcher before any screen;
this module tells it which updates are open to everyone and how to answer the others.
"""

from telegram.callback_data import CallbackData
from telegram.client import BotClient
from telegram.config import ShopSettings
from telegram.routing import Context, Router
from telegram.routing.gate import ChannelGate
from telegram.screens.user.callbacks import OpenHelp
from telegram.screens.user.menu import main_keyboard
from telegram.screens.user.pages import PAGE_COMMANDS, OpenPage
from telegram.types import InlineKeyboardButton, InlineKeyboardMarkup

router = Router(name=__name__)


class CheckJoined(CallbackData, prefix="joined"):
    """ "I've joined": ask Telegram again, let the user in when they are a member now."""


# What non-members may use: /start and the help pages. "I've joined" is not open: it is checked afresh.
OPEN_COMMANDS = frozenset({"start", *PAGE_COMMANDS})
OPEN_BUTTONS = (OpenHelp, OpenPage)


def build_gate(bot: BotClient, settings: ShopSettings) -> ChannelGate | None:
    """The gate of `settings.required_channel`; None when the shop requires no channel."""
    if not settings.required_channel:
        return None
    link = settings.required_channel_link or _public_link(settings.required_channel)

    async def refuse(ctx: Context) -> None:
        if isinstance(ctx.callback_data, CheckJoined):
            await ctx.notify(ctx.t.plain("pages.gate.not_yet"), alert=True)
        rows = [[InlineKeyboardButton(text=ctx.t.plain("pages.gate.button.join"), url=link)]] if link else []
        rows.append([InlineKeyboardButton(text=ctx.t.plain("pages.gate.button.joined"), callback_data=CheckJoined().pack())])
        await ctx.show(ctx.t("pages.gate.join"), InlineKeyboardMarkup(inline_keyboard=rows))

    return ChannelGate(bot, settings.required_channel, is_open=_is_open, is_recheck=_is_recheck, refuse=refuse)


def _public_link(channel: str) -> str:
    """t.me/<name> for an "@name" channel; a private channel (numeric id) needs required_channel_link."""
    return f"https://t.me/{channel[1:]}" if channel.startswith("@") else ""


def _is_open(ctx: Context) -> bool:
    command = ctx.command
    return (command is not None and command[0] in OPEN_COMMANDS) or isinstance(ctx.callback_data, OPEN_BUTTONS)


def _is_recheck(ctx: Context) -> bool:
    return isinstance(ctx.callback_data, CheckJoined)


@router.callback(CheckJoined)
async def joined(ctx: Context, _data: CheckJoined) -> None:
    """Reached only past the gate: the user is in the channel now."""
    await ctx.notify(ctx.t.plain("pages.gate.welcome"))
    await ctx.show(ctx.t("menu.main"), main_keyboard(ctx))
