"""Staff access: "may this person do this now?", answered in one place for every front door.

The chat's routers ask it before a staff handler runs (telegram.routing.access), the web app on every
request; only the way a refusal is shown differs (an alert or a reply in the chat, a 403 page on the
web). Nothing here knows either of them.

The role, permissions and blocked flag are read fresh in the use case's transaction (staff actions
are rare; a revoked admin must not keep acting on a cached record). The owner is the user whose id is
the configured owner id (telegram.owner_id), passed by the caller: a row still marked owner under
another id (a former owner, before the next start settles it) holds no rights. A refusal is written to
the audit log as a security event ("permission.refused", the action as target, the need as detail) in
the same transaction as the read.

The money and admin rules a use case checks in its own transaction, whoever calls it, are
storage.staff_rules.
"""

from typing import Literal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from storage.audit import write_event
from storage.kinds import Permission, Role
from storage.models import User
from storage.records import Record, UserRecord
from storage.users import user_record

# "staff": any admin or the owner (the panel itself); "owner": the owner alone (admins, the audit log,
# maintenance mode); a Permission: the owner, or an admin holding it.
type Need = Permission | Literal["staff", "owner"]


class Granted(Record, frozen=True):
    """Allowed; `user` is the person as read just now."""

    user: UserRecord


class Refused(Record, frozen=True):
    """Not allowed, and audited. `reason`: "staff" (not staff at all: a buyer, a blocked or former
    staff member), "owner" (an admin, where the owner alone may) or "permission" (an admin without
    `permission`). `user` is the person as read just now (None: no such user)."""

    reason: Literal["staff", "owner", "permission"]
    permission: Permission | None = None
    user: UserRecord | None = None


type Access = Granted | Refused


def may(user: UserRecord, need: Need, owner_id: int) -> bool:
    """Whether `user`, as given, meets `need`. On a fresh record this is the rule `authorize` applies;
    on a cached one it only decides what a screen offers, never what is allowed."""
    if user.blocked:
        return False
    if user.id == owner_id:
        return True
    if user.role != Role.ADMIN or need == "owner":
        return False
    return need == "staff" or need in user.permissions


async def authorize(user_id: int, need: Need, action: str, *, owner_id: int) -> Access:
    """May `user_id` do `action` (a dotted name, the refusal's audit target: "stock.add") now, which
    needs `need`? Granted with the fresh record, or Refused with why, its security event written."""
    async with in_transaction() as conn:
        return await authorize_in(conn, user_id, need, action, owner_id=owner_id)


async def authorize_in(conn: BaseDBAsyncClient, user_id: int, need: Need, action: str, *, owner_id: int) -> Access:
    """`authorize` inside a use case's transaction `conn`: the answer and what the use case does with it commit together."""
    found = await User.get_or_none(id=user_id, using_db=conn)
    user = user_record(found) if found is not None else None
    if user is not None and may(user, need, owner_id):
        return Granted(user=user)
    await write_event(conn, "permission.refused", actor_id=user_id, target=action, detail=str(need), security=True)
    if user is None or not may(user, "staff", owner_id):
        return Refused(reason="staff", user=user)
    if need == "owner":
        return Refused(reason="owner", user=user)
    return Refused(reason="permission", permission=Permission(need), user=user)
