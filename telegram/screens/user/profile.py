"""The buyer's profile (balance, what they spent, language, referral link) and the language switch."""

from telegram.i18n import LANGUAGES
from telegram.routing import Context, Router, keyboard
from telegram.screens.user.callbacks import (
    BalanceHistory,
    ChooseLanguage,
    OpenMenu,
    OpenProfile,
    OpenReferrals,
    PurchaseHistory,
    SetLanguage,
    TopUp,
)
from telegram.screens.user.referrals import link_of
from telegram.texts import Safe

router = Router(name=__name__)

# Each language's name in itself, as the language button and the profile show it.
LANGUAGE_NAME = {"en": "language.name.en", "ru": "language.name.ru"}


@router.callback(OpenProfile)
async def profile(ctx: Context, _data: OpenProfile) -> None:
    found = await ctx.shop.store.profile(ctx.user.id)
    text = ctx.t(
        "profile.card",
        id=found.user.id,
        balance=found.user.balance,
        purchases=Safe(ctx.t.n("profile.purchases", found.purchases, spent=found.spent)),
        language=ctx.t.plain(LANGUAGE_NAME[ctx.t.language]),
    )
    link = await link_of(ctx)
    if link:
        text = "\n".join([text, ctx.t("profile.referral_link", link=link)])
    markup = keyboard(
        *([[(ctx.t.plain("profile.button.topup"), TopUp())]] if ctx.shop.payments is not None else []),
        [(ctx.t.plain("profile.button.history"), PurchaseHistory()), (ctx.t.plain("profile.button.ledger"), BalanceHistory())],
        [(ctx.t.plain("profile.button.referrals"), OpenReferrals()), (ctx.t.plain("profile.button.language"), ChooseLanguage())],
        [(ctx.t.plain("button.main_menu"), OpenMenu())],
    )
    await ctx.show(text, markup)


@router.callback(ChooseLanguage)
async def choose_language(ctx: Context, _data: ChooseLanguage) -> None:
    rows = [[(_language_label(ctx, language), SetLanguage(language=language))] for language in LANGUAGES]
    await ctx.show(ctx.t("language.choose"), keyboard(*rows, [(ctx.t.plain("button.back"), OpenProfile())]))


@router.callback(SetLanguage)
async def set_language(ctx: Context, data: SetLanguage) -> None:
    if data.language not in LANGUAGES:  # forged: the buttons offer the shop's languages only
        await ctx.notify(ctx.t.plain("error.stale_button"))
        await choose_language(ctx, ChooseLanguage())
        return
    # From here on this update, and the user's later ones, speak the new language.
    ctx.set_user(await ctx.shop.store.set_language(ctx.user.id, data.language))
    await ctx.notify(ctx.t.plain("language.changed", name=ctx.t.plain(LANGUAGE_NAME[data.language])))
    await profile(ctx, OpenProfile())


def _language_label(ctx: Context, language: str) -> str:
    name = ctx.t.plain(LANGUAGE_NAME[language])
    return ctx.t.plain("language.current", name=name) if language == ctx.t.language else name
