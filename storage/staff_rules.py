"""The staff's money and admin rules, checked inside the use case's own transaction, whoever calls it
(the chat today, the web app later). The staff-access check (storage.access), which the chat's routers
ask before a staff handler runs, answers most refusals first; these rules decide what the store does.

- Money is made only by the owner or an admin holding `money`: balance adjustments, credit promo codes.
- Nobody adjusts their own balance, the owner neither.
- Only the owner grants `money`, and only the owner blocks or demotes an admin.

`actor_id=None` is the operator at the shell (the CLI), who holds the owner's rights. The owner is the
row whose role is owner and that is not blocked: the shop's start-up (`storage.users.settle_owner`)
keeps that row in step with telegram.owner_id. The actor's row is read in the use case's transaction,
so a permission taken away a moment ago is already gone.

A use case decorated with `audits_refusals` that is refused rolls back whole; its refusal is then
written to the audit log as a security event ("permission.refused", the action as target, the rule and
its target as detail) and StaffRefused reaches the caller, which answers it.
"""

import functools
from collections.abc import Awaitable, Callable

from tortoise.backends.base.client import BaseDBAsyncClient

from storage.audit import write_event
from storage.errors import StaffRefused
from storage.kinds import Permission
from storage.models import Role, User


def audits_refusals[**P, R](fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """`fn`, with each StaffRefused it raises audited (after its transaction rolled back) and re-raised."""

    @functools.wraps(fn)
    async def use_case(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await fn(*args, **kwargs)
        except StaffRefused as refused:
            await write_event(
                None,
                "permission.refused",
                actor_id=refused.actor_id,
                target=refused.action,
                detail=f"{refused.rule}: {refused.target}",
                security=True,
            )
            raise

    return use_case


async def require_owner(conn: BaseDBAsyncClient, actor_id: int | None, action: str, target: object) -> None:
    """Raises StaffRefused (rule "owner") unless the actor is the owner or the operator."""
    if actor_id is not None and not _is_owner(await _actor(conn, actor_id)):
        raise StaffRefused(actor_id, action, str(target), "owner")


async def require_money(conn: BaseDBAsyncClient, actor_id: int | None, action: str, target: object) -> None:
    """Raises StaffRefused (rule "money") unless the actor is the owner, the operator, or an admin
    holding the money permission."""
    if actor_id is None:
        return
    actor = await _actor(conn, actor_id)
    if not (_is_owner(actor) or _holds(actor, Permission.MONEY)):
        raise StaffRefused(actor_id, action, str(target), "money")


async def require_adjuster(conn: BaseDBAsyncClient, actor_id: int | None, user_id: int) -> None:
    """A balance adjustment of `user_id` by `actor_id`: never their own (rule "own_balance"), and only
    with the money rights (rule "money")."""
    if actor_id == user_id:
        raise StaffRefused(actor_id, "balance.adjust", str(user_id), "own_balance")
    await require_money(conn, actor_id, "balance.adjust", user_id)


async def _actor(conn: BaseDBAsyncClient, actor_id: int) -> User | None:
    return await User.get_or_none(id=actor_id, using_db=conn)


def _is_owner(actor: User | None) -> bool:
    return actor is not None and actor.role == Role.OWNER and not actor.blocked


def _holds(actor: User | None, permission: Permission) -> bool:
    return actor is not None and actor.role == Role.ADMIN and not actor.blocked and permission in actor.permissions.split(",")
