"""Staff access in the chat: storage's one answer (Store.authorize), shown the chat's way.

The router calls `admit` before every handler that declares a need (see telegram.routing.router); a
handler calls it itself only for a need that depends on what was pressed (a credit promo code also
needs money). A refusal is an alert on a button press and a reply to a message, in the words of
`REFUSAL`; storage has already written it to the audit log.
"""

from typing import Literal

from storage import Granted, Need, Permission
from telegram.routing.context import Context

type Refusal = Literal["staff", "owner", "permission", "own_balance", "block_admin"]
REFUSAL: dict[Refusal, str] = {
    "staff": "admin.refused.staff",
    "owner": "admin.refused.owner",
    "permission": "admin.refused.permission",
    "own_balance": "admin.refused.own_balance",
    "block_admin": "admin.refused.block_admin",
}
PERMISSION_NAME = {
    Permission.CATALOG: "admin.permission.catalog",
    Permission.STOCK: "admin.permission.stock",
    Permission.USERS: "admin.permission.users",
    Permission.PAYMENTS: "admin.permission.payments",
    Permission.BROADCAST: "admin.permission.broadcast",
    Permission.STATISTICS: "admin.permission.statistics",
    Permission.MONEY: "admin.permission.money",
}


async def admit(ctx: Context, need: Need, action: str) -> bool:
    """True when the sender may do `action` now; otherwise False, the refusal shown (and audited by
    storage). Either way the context carries the sender as just read."""
    access = await ctx.shop.store.authorize(ctx.user.id, need, action, owner_id=ctx.shop.owner_id)
    if access.user is not None:
        ctx.set_user(access.user)
    if isinstance(access, Granted):
        return True
    if access.permission is not None:
        await show_refusal(ctx, access.reason, permission=permission_name(ctx, access.permission))
    else:
        await show_refusal(ctx, access.reason)
    return False


async def show_refusal(ctx: Context, refusal: Refusal, **values: str) -> None:
    """Answer a refusal: an alert on a press, else a reply."""
    if ctx.callback is not None:
        await ctx.notify(ctx.t.plain(REFUSAL[refusal], **values), alert=True)
    else:
        await ctx.reply(ctx.t(REFUSAL[refusal], **values))


def permission_name(ctx: Context, permission: str) -> str:
    """A permission as the staff read it ("Stock")."""
    return ctx.t.plain(PERMISSION_NAME[Permission(permission)])
