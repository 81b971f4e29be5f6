"""The staff's use cases about people: admins and their permissions, blocking users.

Each writes its audit event in the same transaction as the change, so the log never misses an action
that happened nor records one that did not. Whether the caller may open a section is storage.access's
answer, asked by each front door (the CLI's operator holds the owner's rights). Checked here, whoever asks: the owner is never
blocked, demoted or made a mere admin; and the money and admin rules of `storage.staff_rules` (only
the owner grants `money` or blocks or demotes an admin; balance adjustments need the money rights and
are never one's own), each refusal audited as a security event.
"""

from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from storage.audit import write_event
from storage.errors import OwnerProtected, UnknownPermission, UnknownUser
from storage.inbox import claim_update
from storage.kinds import Permission
from storage.ledger import apply_credit
from storage.models import CENT, LedgerKind, Role, User
from storage.records import ReferralTerms, UserRecord
from storage.staff_rules import audits_refusals, require_adjuster, require_owner
from storage.users import user_record
from storage.web_sessions import end_sessions

PERMISSIONS = [permission.value for permission in Permission]


def permission_set(names: list[str]) -> list[str]:
    """`names` checked and in the canonical order; raises UnknownPermission."""
    for name in names:
        if name not in PERMISSIONS:
            raise UnknownPermission(name, PERMISSIONS)
    return [permission for permission in PERMISSIONS if permission in names]


@audits_refusals
async def grant_admin(user_id: int, permissions: list[str], *, actor_id: int | None) -> UserRecord:
    """Make the user an admin with exactly `permissions` (an admin's permissions are replaced).
    The owner alone manages admins (StaffRefused otherwise): an admin who could grant could give
    themselves `money` through a friend, or strip another admin."""
    chosen = permission_set(permissions)
    async with in_transaction() as conn:
        user = await _staff_target(conn, user_id, "make an admin")
        await require_owner(conn, actor_id, "admin.grant", user_id)
        await User.filter(id=user_id).using_db(conn).update(role=Role.ADMIN, permissions=",".join(chosen))
        await write_event(
            conn,
            "admin.grant",
            actor_id=actor_id,
            target=str(user_id),
            detail=f"{user.role}→admin: {','.join(chosen) or 'no permissions'}",
        )
        return user_record(await User.get(id=user_id, using_db=conn))


@audits_refusals
async def revoke_admin(user_id: int, *, actor_id: int | None) -> UserRecord:
    """The user is no admin any more (a no-op for a user who was not one), signed out of the web app.
    Only the owner demotes an admin (StaffRefused otherwise)."""
    async with in_transaction() as conn:
        user = await _staff_target(conn, user_id, "revoke the owner")
        if user.role == Role.ADMIN:
            await require_owner(conn, actor_id, "admin.revoke", user_id)
            await User.filter(id=user_id).using_db(conn).update(role=Role.USER, permissions="")
            await write_event(conn, "admin.revoke", actor_id=actor_id, target=str(user_id), detail=user.permissions)
            await end_sessions(conn, user_id)
        return user_record(await User.get(id=user_id, using_db=conn))


@audits_refusals
async def set_blocked(user_id: int, blocked: bool, *, actor_id: int | None) -> UserRecord:
    """Block or unblock a user. Blocking an admin also ends their admin role: a blocked user acts for
    nobody; so only the owner blocks an admin (StaffRefused otherwise). A blocked user is signed out of the web app."""
    async with in_transaction() as conn:
        user = await _staff_target(conn, user_id, "block the owner") if blocked else await _get(conn, user_id)
        changes: dict[str, object] = {"blocked": blocked}
        if blocked and user.role == Role.ADMIN:
            await require_owner(conn, actor_id, "user.block", user_id)
            changes.update(role=Role.USER, permissions="")
        if user.blocked != blocked or len(changes) > 1:
            await User.filter(id=user_id).using_db(conn).update(**changes)
            await write_event(conn, "user.block" if blocked else "user.unblock", actor_id=actor_id, target=str(user_id))
        if blocked:
            await end_sessions(conn, user_id)
        return user_record(await User.get(id=user_id, using_db=conn))


async def find_user(query: str) -> UserRecord | None:
    """A user by Telegram id ("1001") or username ("@ann" or "ann", any case)."""
    text = query.strip()
    if text.isdigit():
        user = await User.get_or_none(id=int(text)) if len(text) <= 19 else None
    else:
        name = text.removeprefix("@")
        user = await User.filter(username__iexact=name).order_by("id").first() if name else None
    return None if user is None else user_record(user)


async def list_admins() -> list[UserRecord]:
    return [user_record(user) for user in await User.filter(role=Role.ADMIN).order_by("id")]


@audits_refusals
async def adjust_balance(
    user_id: int,
    amount: Decimal,
    reason: str,
    *,
    actor_id: int | None,
    once: int | None = None,
    kind: str = LedgerKind.ADJUSTMENT,
    referral: ReferralTerms | None = None,
) -> Decimal:
    """Credit (amount > 0) or debit (amount < 0) a balance by hand, as an "adjustment" ledger entry with
    its reason, audited as "balance.adjust"; returns the new balance. Raises InsufficientBalance rather
    than go below zero, StaffRefused for the actor's own balance or an actor without the money rights,
    and AlreadyHandled when the update `once` (the typed amount) made this adjustment already (a replay).

    With kind "topup" (money the user paid outside the shop, entered by the operator) the entry is a
    top-up, audited as "balance.topup", and `referral` terms pay the user's referrer their reward.
    """
    if kind not in (LedgerKind.ADJUSTMENT, LedgerKind.TOPUP):
        raise ValueError(f"a balance changed by hand is an adjustment or a top-up, not {kind!r}")
    async with in_transaction() as conn:
        await require_adjuster(conn, actor_id, user_id)
        await claim_update(conn, once)
        balance = await apply_credit(conn, user_id, amount, kind=kind, reason=reason, referral=referral)
        action = "balance.topup" if kind == LedgerKind.TOPUP else "balance.adjust"
        await write_event(conn, action, actor_id=actor_id, target=str(user_id), detail=f"{amount:+} {reason}")
    return Decimal(balance).quantize(CENT)


async def _get(conn: BaseDBAsyncClient, user_id: int) -> User:
    user = await User.get_or_none(id=user_id, using_db=conn)
    if user is None:
        raise UnknownUser(user_id)
    return user


async def _staff_target(conn: BaseDBAsyncClient, user_id: int, action: str) -> User:
    user = await _get(conn, user_id)
    if user.role == Role.OWNER:
        raise OwnerProtected(user_id, action)
    return user
