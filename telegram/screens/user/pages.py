"""Help and the shop's pages: /help, /rules, /support, /terms, /privacy, /paysupport.

Telegram expects every bot to answer /privacy, and a bot that takes payments to answer /paysupport
and /terms. A page's text is the owner's from [shop] (Telegram HTML, shown as written) or, when that
is empty, the built-in one in the user's language.
"""

from enum import StrEnum

from telegram.callback_data import CallbackData
from telegram.routing import Context, Router, Row, keyboard
from telegram.screens.user.callbacks import OpenDispute, OpenHelp, OpenMenu
from telegram.texts import Safe
from telegram.types import InlineKeyboardMarkup

router = Router(name=__name__)


class PageName(StrEnum):
    RULES = "rules"
    SUPPORT = "support"
    TERMS = "terms"
    PRIVACY = "privacy"
    PAYSUPPORT = "paysupport"


class OpenPage(CallbackData, prefix="page"):
    page: PageName


# Commands anyone may use, the required channel's non-members too.
PAGE_COMMANDS = ("help", *(name.value for name in PageName))
BUTTON = {
    PageName.RULES: "pages.button.rules",
    PageName.SUPPORT: "pages.button.support",
    PageName.TERMS: "pages.button.terms",
    PageName.PRIVACY: "pages.button.privacy",
}


def page_text(ctx: Context, page: PageName) -> str:
    settings = ctx.shop.settings
    match page:
        case PageName.RULES:
            return settings.rules_text or ctx.t("pages.rules")
        case PageName.TERMS:
            return settings.terms_text or ctx.t("pages.terms")
        case PageName.PRIVACY:
            return settings.privacy_text or ctx.t("pages.privacy")
        case PageName.PAYSUPPORT:
            return settings.paysupport_text or ctx.t("pages.paysupport", contact=_contact(ctx))
        case PageName.SUPPORT:  # built from support_contact
            return ctx.t("pages.support", contact=_contact(ctx))


def _contact(ctx: Context) -> Safe:
    """How to reach support: the configured contact, or a word that there is none yet."""
    contact = ctx.shop.settings.support_contact
    return Safe(ctx.t("pages.contact", contact=contact) if contact else ctx.t("pages.no_contact"))


def _help_markup(ctx: Context) -> InlineKeyboardMarkup:
    buttons = [(ctx.t.plain(BUTTON[page]), OpenPage(page=page)) for page in BUTTON]
    return keyboard(buttons[:2], buttons[2:], [(ctx.t.plain("button.main_menu"), OpenMenu())])


def _page_markup(ctx: Context, page: PageName) -> InlineKeyboardMarkup:
    rows: list[Row] = []
    if page == PageName.PAYSUPPORT and ctx.shop.payments is not None:
        rows.append([(ctx.t.plain("dispute.button"), OpenDispute())])
    rows.append([(ctx.t.plain("pages.button.help"), OpenHelp()), (ctx.t.plain("button.main_menu"), OpenMenu())])
    return keyboard(*rows)


def _help_text(ctx: Context) -> str:
    return ctx.shop.settings.help_text or ctx.t("pages.help")


@router.command("help")
async def help_command(ctx: Context, _args: str) -> None:
    await ctx.reply(_help_text(ctx), _help_markup(ctx))


@router.callback(OpenHelp)
async def help_screen(ctx: Context, _data: OpenHelp) -> None:
    await ctx.show(_help_text(ctx), _help_markup(ctx))


@router.command(*(name.value for name in PageName))
async def page_command(ctx: Context, _args: str) -> None:
    assert ctx.command is not None
    page = PageName(ctx.command[0])
    await ctx.reply(page_text(ctx, page), _page_markup(ctx, page))


@router.callback(OpenPage)
async def page_screen(ctx: Context, data: OpenPage) -> None:
    await ctx.show(page_text(ctx, data.page), _page_markup(ctx, data.page))
