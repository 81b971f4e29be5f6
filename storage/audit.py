"""The audit log: who did what to what. Security events mark refused or suspicious attempts
(a forged button, another user's purchase id); admin actions are recorded here too."""

from datetime import datetime
from typing import Any

from storage.models import AuditEvent
from storage.paging import paginate
from storage.records import AuditRecord, Page


def audit_record(event: AuditEvent) -> AuditRecord:
    return AuditRecord(
        id=event.id,
        actor_id=event.actor_id,
        action=event.action,
        target=event.target,
        detail=event.detail,
        security=event.security,
        created_at=event.created_at,
    )


async def record_event(
    action: str, *, actor_id: int | None, target: str = "", detail: str = "", security: bool = False
) -> AuditRecord:
    """Write one event. `action` is a dotted name ("purchase.foreign_id"); `target` what it was
    about (an id, cut to 128 characters, since it may come from a forged button)."""
    return audit_record(await write_event(None, action, actor_id=actor_id, target=target, detail=detail, security=security))


async def write_event(
    conn: Any, action: str, *, actor_id: int | None, target: str = "", detail: str = "", security: bool = False
) -> AuditEvent:
    """`record_event` inside a use case's transaction `conn`: the action and its record commit together."""
    return await AuditEvent.create(
        actor_id=actor_id, action=action[:64], target=_storable(target)[:128], detail=_storable(detail),
        security=security, using_db=conn,
    )


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
