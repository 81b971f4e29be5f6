"""The audit log: who did what to what. Security events mark refused or suspicious attempts
(a forged button, another user's purchase id, a CryptoPay webhook with a bad signature); admin
actions are recorded here too.

Security events can be made at will by whoever sends them, so within a minute a source's events are
counted rather than written again. The source is the actor (a Telegram user) when there is one, else
the target (a network address, an order id). A security event that repeats one of its source's rows
of the last minute (same action, target and detail) adds one to that row's `count`; a source's first
DISTINCT_MAX different events of an action within a minute are rows of their own, and any further
one is counted on its newest row. A source that keeps going therefore writes at most DISTINCT_MAX
rows of an action a minute, whatever it varies. The window is a row's first minute. The count is
raised in the same transaction as the write would have been: two processes at once may each write a
row (a row more than that, at worst), and a count is never lost. Admin actions are each a row.

Each row written (not a repeat counted) is also a row of the business-event feed (storage.feed), kind
staff or security, in the same transaction.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from storage.feed import add_event
from storage.kinds import ShopEventKind
from storage.models import AuditEvent
from storage.paging import paginate
from storage.records import AuditRecord, Page

# A security event repeated within this long of its row's first one is counted on that row.
REPEAT_WINDOW = timedelta(minutes=1)
# A source's different security events of one action in a window that get rows of their own.
DISTINCT_MAX = 5
# What an action's target names, by the action's first word, for the feed's link (storage.feed).
SUBJECTS = {"admin": "user", "user": "user", "balance": "user", "item": "item", "stock": "item", "category": "category"}


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
    conn: Any,
    action: str,
    *,
    actor_id: int | None,
    target: str = "",
    detail: str = "",
    security: bool = False,
    feed: bool = True,
) -> AuditEvent:
    """`record_event` inside a use case's transaction `conn`: the action and its record commit
    together. Without one (None), the event is written in a transaction of its own. A new row is a
    feed row too, unless not `feed` (the use case writes a feed row of its own kind)."""
    if conn is None:
        async with in_transaction() as own:
            return await write_event(own, action, actor_id=actor_id, target=target, detail=detail, security=security, feed=feed)
    action, target, detail = action[:64], _storable(target)[:128], _storable(detail)
    if security:
        repeated = await _count_repeat(conn, action, actor_id, target, detail)
        if repeated is not None:
            return repeated
    if feed:
        # The detail stays out of the feed: it may quote what a forged button or a staff member typed.
        kind = ShopEventKind.SECURITY if security else ShopEventKind.STAFF
        named = SUBJECTS.get(action.split(".", 1)[0])
        subject = f"{named}:{target}" if named and target.isdigit() else ""
        await add_event(conn, kind, f"{action} {target}".strip(), user_id=actor_id, subject=subject)
    return await AuditEvent.create(
        actor_id=actor_id, action=action, target=target, detail=detail, security=security, using_db=conn
    )


async def _count_repeat(conn: Any, action: str, actor_id: int | None, target: str, detail: str) -> AuditEvent | None:
    """The source's row of the last REPEAT_WINDOW that this event repeats (or, once the source has
    DISTINCT_MAX rows of `action` there, its newest), with its count raised by one; None when the
    event is to be a row of its own. One row is raised, so two rows written at once are not both."""
    window = AuditEvent.filter(security=True, action=action, created_at__gte=datetime.now(UTC) - REPEAT_WINDOW)
    source = window.filter(actor_id=actor_id) if actor_id is not None else window.filter(actor_id=None, target=target)
    row = await source.filter(target=target, detail=detail).using_db(conn).order_by("-id").only("id").first()
    if row is None and await source.using_db(conn).count() >= DISTINCT_MAX:
        row = await source.using_db(conn).order_by("-id").only("id").first()
    # The row may be pruned in between: then this is a first event again.
    if row is None or not await AuditEvent.filter(id=row.id).using_db(conn).update(count=F("count") + 1):
        return None
    return await AuditEvent.get(id=row.id, using_db=conn)


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
