"""Referrals: the buyer's invitation link, how many joined through it and what their top-ups earned.

The link is `https://t.me/<bot>?start=<the buyer's id>`; the dispatcher reads the payload when a new
user registers, and storage pays the reward with each of their credited top-ups.
"""

import logging
from decimal import Decimal

from telegram.deep_links import referral_link
from telegram.errors import TelegramError
from telegram.routing import Context, Router, keyboard
from telegram.screens.user.callbacks import OpenProfile, OpenReferrals

log = logging.getLogger(__name__)

router = Router(name=__name__)


async def link_of(ctx: Context) -> str | None:
    """The buyer's referral link; None while the bot's username cannot be learned (getMe failed)."""
    try:
        username = await ctx.shop.identity.username(ctx.bot)
    except TelegramError as error:
        log.info("no referral link: getMe failed: %s", error)
        return None
    return referral_link(username, ctx.user.id) if username else None


@router.callback(OpenReferrals)
async def referrals(ctx: Context, _data: OpenReferrals) -> None:
    found = await ctx.shop.store.profile(ctx.user.id)
    link = await link_of(ctx)
    settings = ctx.shop.settings
    lines = [
        ctx.t("referral.title"),
        ctx.t("referral.link", link=link) if link else ctx.t("referral.no_link"),
        ctx.t.n("referral.invited", found.referrals),
        ctx.t("referral.earned", earned=found.referral_earned),
    ]
    if settings.referral_percent > 0:
        lines.append(ctx.t("referral.terms", percent=_percent(settings.referral_percent)))
        if settings.referral_cap_per_referral > 0:
            lines.append(ctx.t("referral.cap_per_referral", cap=settings.referral_cap_per_referral))
        if settings.referral_cap_total > 0:
            lines.append(ctx.t("referral.cap_total", cap=settings.referral_cap_total))
    else:
        lines.append(ctx.t("referral.off"))
    await ctx.show("\n".join(lines), keyboard([(ctx.t.plain("button.back"), OpenProfile())]))


def _percent(value: Decimal) -> str:
    # 10 → "10", 2.50 → "2.5": a Decimal value would be shown as money.
    return format(value.normalize(), "f")
