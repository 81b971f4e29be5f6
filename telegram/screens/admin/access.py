"""Who may do what, checked on the server for every staff action: a hidden button is not a check.

The role and permissions are read fresh from the database for each action (staff actions are rare;
a revoked admin must not keep acting on a cached record). A refused attempt is answered plainly and
written to the audit log as a security event.
"""

from typing import Literal

from storage import Permission, UserRecord
from telegram.routing import Context

# "staff": any admin or the owner (the panel itself); "owner": the owner alone (admins, the audit log,
# maintenance mode); a Permission: the owner, or an admin holding it.
type Need = Permission | Literal["staff", "owner"]

REFUSAL = {"staff": "admin.refused.staff", "owner": "admin.refused.owner", "permission": "admin.refused.permission"}
PERMISSION_NAME = {
    "catalog": "admin.permission.catalog",
    "stock": "admin.permission.stock",
    "users": "admin.permission.users",
    "payments": "admin.permission.payments",
    "broadcast": "admin.permission.broadcast",
    "statistics": "admin.permission.statistics",
}


def may(user: UserRecord, need: Need, owner_id: int) -> bool:
    if user.blocked:
        return False
    if user.role == "owner" or user.id == owner_id:
        return True
    if user.role != "admin" or need == "owner":
        return False
    return need == "staff" or need in user.permissions


def is_staff(user: UserRecord) -> bool:
    """By the (possibly cached) record: for what to show, never for what to allow."""
    return user.role in ("owner", "admin") and not user.blocked


async def permitted(ctx: Context, need: Need, action: str) -> bool:
    """True when the sender may do `action` now; otherwise the refusal is answered and audited."""
    fresh = await ctx.shop.store.get_user(ctx.user.id)
    if fresh is not None:
        ctx.set_user(fresh)
    if fresh is not None and may(fresh, need, ctx.shop.owner_id):
        return True
    await ctx.shop.store.record_event(
        "permission.refused", actor_id=ctx.user.id, target=action, detail=str(need), security=True
    )
    if fresh is None or not is_staff(fresh):
        refusal, values = "staff", {}
    elif need == "owner":
        refusal, values = "owner", {}
    else:
        refusal, values = "permission", {"permission": permission_name(ctx, need)}
    if ctx.callback is not None:
        await ctx.notify(ctx.t.plain(REFUSAL[refusal], **values), alert=True)
    else:
        await ctx.reply(ctx.t(REFUSAL[refusal], **values))
    return False


def permission_name(ctx: Context, permission: str) -> str:
    return ctx.t.plain(PERMISSION_NAME[permission])
