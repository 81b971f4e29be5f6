"""Who may do what, checked on the server for every staff action: a hidden button is not a check.

The role and permissions are read fresh from the database for each action (staff actions are rare;
a revoked admin must not keep acting on a cached record). A refused attempt is answered plainly and
written to the audit log as a security event. The owner is the user whose id is telegram.owner_id:
a row still marked owner under another id (a former owner) holds no rights.

The store checks the money and admin rules again in each use case's transaction (storage.staff_rules)
and audits its own refusals; `answer_refused` answers those.
"""

from typing import Literal

from storage import Permission, StaffRefused, UserRecord
from telegram.routing import Context

# "staff": any admin or the owner (the panel itself); "owner": the owner alone (admins, the audit log,
# maintenance mode); a Permission: the owner, or an admin holding it.
type Need = Permission | Literal["staff", "owner"]

REFUSAL = {
    "staff": "admin.refused.staff",
    "owner": "admin.refused.owner",
    "permission": "admin.refused.permission",
    "own_balance": "admin.refused.own_balance",
    "block_admin": "admin.refused.block_admin",
}
type Refusal = Literal["staff", "owner", "permission", "own_balance", "block_admin"]
PERMISSION_NAME = {
    "catalog": "admin.permission.catalog",
    "stock": "admin.permission.stock",
    "users": "admin.permission.users",
    "payments": "admin.permission.payments",
    "broadcast": "admin.permission.broadcast",
    "statistics": "admin.permission.statistics",
    "money": "admin.permission.money",
}


def may(user: UserRecord, need: Need, owner_id: int) -> bool:
    if user.blocked:
        return False
    if user.id == owner_id:
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
    if fresh is None or not is_staff(fresh):
        await refuse(ctx, "staff", action, str(need))
    elif need == "owner":
        await refuse(ctx, "owner", action, str(need))
    else:
        await refuse(ctx, "permission", action, str(need), permission=permission_name(ctx, need))
    return False


async def refuse(ctx: Context, refusal: Refusal, action: str, detail: str, **values: str) -> None:
    """Refuse `action`: audited as a security event, answered as an alert on a press, else a reply."""
    await ctx.shop.store.record_event("permission.refused", actor_id=ctx.user.id, target=action, detail=detail, security=True)
    await _answer(ctx, refusal, **values)


async def answer_refused(ctx: Context, refused: StaffRefused, *, owner: Refusal = "owner") -> None:
    """Answer a refusal the store made and audited; `owner` is the answer to its "owner" rule."""
    if refused.rule == "own_balance":
        await _answer(ctx, "own_balance")
    elif refused.rule == "money":
        await _answer(ctx, "permission", permission=permission_name(ctx, Permission.MONEY))
    else:
        await _answer(ctx, owner)


async def _answer(ctx: Context, refusal: Refusal, **values: str) -> None:
    if ctx.callback is not None:
        await ctx.notify(ctx.t.plain(REFUSAL[refusal], **values), alert=True)
    else:
        await ctx.reply(ctx.t(REFUSAL[refusal], **values))


def permission_name(ctx: Context, permission: str) -> str:
    return ctx.t.plain(PERMISSION_NAME[permission])
