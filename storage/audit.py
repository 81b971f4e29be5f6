"""The audit log: who did what to what. Security events mark refused or suspicious attempts
(a forged button, another user's purchase id, a CryptoPay webhook with a bad signature); admin
actions are recorded here too.

Security events can be made at will by whoever sends them, so they are counted rather than written
again: a security event that repeats one of the last minute (the same action from the same source)
adds one to that row's `count` instead of writing a row. The source is the actor (a Telegram user)
when there is one, else the target (a network address, an order id). The window starts at the
row's first event: a source that keeps going writes at most one row a minute. The count is raised
in the same transaction as the write would have been; two processes at once may each write a row
(at worst two rows for one minute), and a count is never lost. Admin actions are each their own row.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from storage.models import AuditEvent
from storage.paging import paginate
from storage.records import AuditRecord, Page

# A security event repeated within this long of its row's first one is counted on that row.
REPEAT_WINDOW = timedelta(minutes=1)


def audit_record(event: AuditEvent) -> AuditRecord:
    return AuditRecord(
        id=event.id,
        actor_id=event.actor_id,
        action=event.action,
        target=event.target,
        detail=event.detail,
        security=event.security,
        created_at=event.created_at,
        count=event.count,
    )


async def record_event(
    action: str, *, actor_id: int | None, target: str = "", detail: str = "", security: bool = False
) -> AuditRecord:
    """Write one event (or count a security event's repeat, see the module docstring). `action` is a
    dotted name ("purchase.foreign_id"); `target` what it was about (an id, cut to 128 characters,
    since it may come from a forged button). Returns the row as it is now."""
    return audit_record(await write_event(None, action, actor_id=actor_id, target=target, detail=detail, security=security))


async def write_event(
    conn: Any, action: str, *, actor_id: int | None, target: str = "", detail: str = "", security: bool = False
) -> AuditEvent:
    """`record_event` inside a use case's transaction `conn`: the action and its record commit
    together. Without one (None), the event is written in a transaction of its own."""
    if conn is None:
        async with in_transaction() as own:
            return await write_event(own, action, actor_id=actor_id, target=target, detail=detail, security=security)
    action, target = action[:64], _storable(target)[:128]
    if security:
        repeated = await _count_repeat(conn, action, actor_id, target)
        if repeated is not None:
            return repeated
    return await AuditEvent.create(
        actor_id=actor_id, action=action, target=target, detail=_storable(detail), security=security, using_db=conn
    )


async def _count_repeat(conn: Any, action: str, actor_id: int | None, target: str) -> AuditEvent | None:
    """The source's row of `action` from the last REPEAT_WINDOW with its count raised by one, or None
    when there is none. One row is raised (the newest), so two rows written at once are not both."""
    query = AuditEvent.filter(security=True, action=action, created_at__gte=datetime.now(UTC) - REPEAT_WINDOW)
    query = query.filter(actor_id=actor_id) if actor_id is not None else query.filter(actor_id=None, target=target)
    row = await query.using_db(conn).order_by("-id").only("id").first()
    # The row may be pruned in between: then this is a first event again.
    if row is None or not await AuditEvent.filter(id=row.id).using_db(conn).update(count=F("count") + 1):
        return None
    return await AuditEvent.get(id=row.id).using_db(conn)


def _storable(text: str) -> str:
    # PostgreSQL text cannot hold NUL, and a forged button may carry one.
    return text.replace("\x00", "\ufffd")


async def audit_page(page: int, size: int, *, security_only: bool = False) -> Page[AuditRecord]:
    """Page `page` of the log, newest first; only security events with `security_only`."""
    query = AuditEvent.all() if not security_only else AuditEvent.filter(security=True)
    return await paginate(query.order_by("-created_at", "-id"), page, size, audit_record)


async def prune_audit(before: datetime) -> int:
    """Delete the events older than `before` (the configured retention); returns how many."""
    return await AuditEvent.filter(created_at__lt=before).delete()
