"""/web: a one-time link that signs the owner or an admin in to the web app.

The link is a credential good once: it is sent without a link preview, since Telegram's preview would
open (and so spend) it before its owner could.
"""

from storage import LINK_MINUTES, Refused
from telegram.routing import Context, Router, show_refusal

router = Router(name=__name__, need="staff")


@router.command("web", action="web.link")
async def web_link(ctx: Context, _args: str) -> None:
    issued = await ctx.shop.store.issue_sign_in(ctx.user.id, owner_id=ctx.shop.owner_id, actor_id=ctx.user.id)
    if isinstance(issued, Refused):  # no longer staff since the router's check: audited by the store
        await show_refusal(ctx, issued.reason)
        return
    text = ctx.t("admin.web.link", url=ctx.shop.sign_in_link(issued.token), minutes=LINK_MINUTES)
    await ctx.bot.send_message(ctx.chat_id, text, disable_web_page_preview=True)
