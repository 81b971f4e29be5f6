"""Broadcasts: persisted jobs the broadcaster works through in user id order.

A broadcast's audience is read batch by batch (`audience_batch`, ids after the cursor), not fixed at
creation: a user who joins during a long broadcast gets it too, one who blocked the bot since is
skipped. `record_batch` moves the cursor past a batch and adds its outcomes in one transaction, so a
restart resumes after the last batch recorded: nobody is skipped, and only the batch in flight at a
crash can be sent twice. A broadcaster works only while it holds the "broadcaster" lease
(storage.leases), and `record_batch` renews it in the transaction that moves the cursor, so two
processes never send one broadcast at once: one that lost the lease records nothing and stops; a
crashed process's lease runs out and another takes the broadcast over.
"""

import re
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import F, Q, Subquery
from tortoise.transactions import in_transaction

from storage.audit import write_event
from storage.errors import InvalidAudience
from storage.inbox import claim_update
from storage.leases import renew_in
from storage.models import Broadcast, BroadcastStatus, Purchase, User
from storage.records import BroadcastRecord

# The lease the broadcaster works under (actors.singleton).
BROADCASTER = "broadcaster"
AUDIENCE = re.compile(r"all|buyers|lang:[a-z]{2,8}")
# Where a broadcast may go from each status, and what it takes to get there.
MOVES = {
    "pause": ({BroadcastStatus.RUNNING}, BroadcastStatus.PAUSED),
    "resume": ({BroadcastStatus.PAUSED}, BroadcastStatus.RUNNING),
    "cancel": ({BroadcastStatus.RUNNING, BroadcastStatus.PAUSED}, BroadcastStatus.CANCELLED),
}


def broadcast_record(broadcast: Broadcast) -> BroadcastRecord:
    return BroadcastRecord(
        id=broadcast.id,
        created_by=broadcast.created_by,
        text=broadcast.text,
        button_text=broadcast.button_text,
        button_url=broadcast.button_url,
        audience=broadcast.audience,
        paid=broadcast.paid,
        status=BroadcastStatus(broadcast.status),
        cursor=broadcast.cursor,
        total=broadcast.total,
        delivered=broadcast.delivered,
        blocked=broadcast.blocked,
        failed=broadcast.failed,
        progress_chat_id=broadcast.progress_chat_id,
        progress_message_id=broadcast.progress_message_id,
        created_at=broadcast.created_at,
        finished_at=broadcast.finished_at,
    )


def _audience(audience: str) -> Any:
    """The users a broadcast goes to: reachable (not blocked by the staff, not blocking the bot) and
    in the audience."""
    if not AUDIENCE.fullmatch(audience):
        raise InvalidAudience(audience)
    query = User.filter(blocked=False, bot_blocked=False)
    if audience == "buyers":
        query = query.filter(id__in=Subquery(Purchase.filter(revoked_at=None).values("user_id")))
    elif audience.startswith("lang:"):
        code = audience.removeprefix("lang:")
        query = query.filter(Q(language=code) | Q(language=None, language_code__startswith=code))
    return query


async def audience_size(audience: str) -> int:
    return await _audience(audience).count()


async def create_broadcast(
    created_by: int | None,
    text: str,
    audience: str,
    *,
    button_text: str | None = None,
    button_url: str | None = None,
    paid: bool = False,
    progress_chat_id: int | None = None,
    progress_message_id: int | None = None,
    once: int | None = None,
) -> BroadcastRecord:
    """A running broadcast (the broadcaster takes it up); `total` is the audience's size now. Raises
    AlreadyHandled when the update `once` (the staff's confirmation) created it already (a replay)."""
    async with in_transaction() as conn:
        await claim_update(conn, once)
        total = await _audience(audience).using_db(conn).count()
        broadcast = await Broadcast.create(
            created_by=created_by or 0,
            text=text,
            audience=audience,
            button_text=button_text,
            button_url=button_url,
            paid=paid,
            total=total,
            progress_chat_id=progress_chat_id,
            progress_message_id=progress_message_id,
            using_db=conn,
        )
        await write_event(
            conn, "broadcast.create", actor_id=created_by, target=str(broadcast.id), detail=f"{audience}, {total} users"
        )
    return broadcast_record(broadcast)


async def get_broadcast(broadcast_id: int) -> BroadcastRecord | None:
    broadcast = await Broadcast.get_or_none(id=broadcast_id)
    return None if broadcast is None else broadcast_record(broadcast)


async def running_broadcasts() -> list[BroadcastRecord]:
    """Broadcasts to work on, oldest first."""
    return [broadcast_record(b) for b in await Broadcast.filter(status=BroadcastStatus.RUNNING).order_by("id")]


async def recent_broadcasts(limit: int) -> list[BroadcastRecord]:
    return [broadcast_record(b) for b in await Broadcast.all().order_by("-id").limit(limit)]


async def audience_batch(audience: str, after: int, size: int) -> list[int]:
    """The next `size` user ids of the audience after `after`, in id order (the users primary key)."""
    return list(await _audience(audience).filter(id__gt=after).order_by("id").limit(size).values_list("id", flat=True))


async def record_batch(
    broadcast_id: int, cursor: int, *, delivered: int, blocked: list[int], failed: int, owner: str, now: datetime, until: datetime
) -> BroadcastRecord | None:
    """A batch is done: move the cursor to `cursor` (its last user id), add its outcomes, renew
    `owner`'s "broadcaster" lease until `until`, and mark the users who blocked the bot so later broadcasts skip
    them. None when `owner` no longer holds the lease (it ran out and another broadcaster took over):
    nothing is recorded then, and `owner` must stop."""
    async with in_transaction() as conn:
        # The lease first: on PostgreSQL its row lock holds off a takeover until this commits.
        if not await renew_in(conn, BROADCASTER, owner, now=now, until=until):
            return None
        await (
            Broadcast.filter(id=broadcast_id)
            .using_db(conn)
            .update(
                cursor=cursor,
                delivered=F("delivered") + delivered,
                blocked=F("blocked") + len(blocked),
                failed=F("failed") + failed,
            )
        )
        if blocked:
            await User.filter(id__in=blocked).using_db(conn).update(bot_blocked=True)
        return broadcast_record(await Broadcast.get(id=broadcast_id, using_db=conn))


async def finish_broadcast(broadcast_id: int) -> BroadcastRecord:
    """The audience is exhausted: done (unless the staff cancelled it meanwhile)."""
    async with in_transaction() as conn:
        await (
            Broadcast.filter(id=broadcast_id, status=BroadcastStatus.RUNNING)
            .using_db(conn)
            .update(status=BroadcastStatus.DONE, finished_at=datetime.now(UTC))
        )
        return broadcast_record(await Broadcast.get(id=broadcast_id, using_db=conn))


async def move_broadcast(broadcast_id: int, move: str, *, actor_id: int | None) -> BroadcastRecord | None:
    """Pause, resume or cancel; None for an unknown broadcast. A move its status does not allow (a
    stale button) changes nothing and returns the broadcast as it is."""
    sources, target = MOVES[move]
    async with in_transaction() as conn:
        changes: dict[str, Any] = {"status": target}
        if target == BroadcastStatus.CANCELLED:
            changes["finished_at"] = datetime.now(UTC)
        moved = await Broadcast.filter(id=broadcast_id, status__in=list(sources)).using_db(conn).update(**changes)
        if moved:
            await write_event(conn, f"broadcast.{move}", actor_id=actor_id, target=str(broadcast_id))
        broadcast = await Broadcast.get_or_none(id=broadcast_id, using_db=conn)
    return None if broadcast is None else broadcast_record(broadcast)


async def set_progress_message(broadcast_id: int, chat_id: int, message_id: int) -> None:
    await Broadcast.filter(id=broadcast_id).update(progress_chat_id=chat_id, progress_message_id=message_id)
