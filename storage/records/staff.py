"""What the staff run the shop with: the audit log, the shop-wide switches, broadcasts."""

from datetime import datetime

from storage.kinds import BroadcastStatus
from storage.records.base import Record


class AuditRecord(Record, frozen=True):
    """One row of the audit log; `count` is how many of its source's security events within a
    minute it stands for (its repeats, and past a few different ones, the rest: see storage.audit);
    an admin action is always 1."""

    id: int
    actor_id: int | None
    action: str
    target: str
    detail: str
    security: bool
    created_at: datetime
    count: int = 1


class ShopSwitches(Record, frozen=True):
    """Shop-wide switches the staff set at run time."""

    maintenance: bool = False


class BroadcastRecord(Record, frozen=True):
    """A broadcast job (see storage.models.Broadcast)."""

    id: int
    created_by: int
    text: str
    button_text: str | None
    button_url: str | None
    audience: str
    paid: bool
    status: BroadcastStatus
    cursor: int
    total: int
    delivered: int
    blocked: int
    failed: int
    progress_chat_id: int | None
    progress_message_id: int | None
    created_at: datetime
    finished_at: datetime | None
