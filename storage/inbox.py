"""The update inbox: every update fetched from Telegram, from before Telegram is told it arrived until
a day after it was handled (see models.InboxUpdate).

The poller stashes each fetched batch here before its next getUpdates confirms the batch to
Telegram, marks updates handled once handled, and replays the unhandled ones after a crash. In
webhook mode each request's update is taken here (`take_update`) before the request is answered. An effect
that must not happen twice for one update (a credit code redeemed, a dispute opened) claims the update
in its own transaction with `claim_update`: a crash after that commit and before the poller's mark
cannot make the replay repeat the effect.
"""

from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from storage.errors import AlreadyHandled
from storage.models import InboxUpdate


async def stash_updates(updates: list[tuple[int, int, bytes]]) -> list[int]:
    """Keep fetched updates (id, chat id, JSON). Returns the ids of those not kept before, in the
    order given: the ones to handle. An update delivered again (same id, same JSON) is kept, or was
    handled, already. An id kept with other JSON was given to another update since (a new bot token
    on this database, a restarted emulator; Telegram itself restarts its ids after a week without
    updates): the old row gives way, and the update is new."""
    ids = [update_id for update_id, _, _ in updates]
    async with in_transaction() as conn:
        kept = {
            update_id: bytes(payload)
            for update_id, payload in await InboxUpdate.filter(id__in=ids).using_db(conn).values_list("id", "payload")
        }
        new = [
            InboxUpdate(id=update_id, chat_id=chat_id, payload=payload)
            for update_id, chat_id, payload in updates
            if kept.get(update_id) != payload
        ]
        reused = [row.id for row in new if row.id in kept]
        if reused:
            await InboxUpdate.filter(id__in=reused).using_db(conn).delete()
        # ignore_conflicts: a row another process kept meanwhile is that process's to handle.
        await InboxUpdate.bulk_create(new, ignore_conflicts=True, using_db=conn)
    return [row.id for row in new]


async def take_update(update_id: int, chat_id: int, payload: bytes) -> bool:
    """Keep one update a webhook request brought; True when this call kept it (the caller handles
    it), False when it was kept before, by this process or another (Telegram delivered it again, or
    two processes got it): the row's primary key is the claim, so exactly one caller wins. Unlike
    `stash_updates` it answers for this one call, not for what was in the table before it.

    An id kept with other JSON and handled is an id reused (see stash_updates): the old row gives
    way once. An old row not handled yet keeps its claim (its update is replayed, and this one is
    refused: Telegram reuses ids only after a week without updates, so that is no live case)."""
    for _ in range(2):
        try:
            await InboxUpdate.create(id=update_id, chat_id=chat_id, payload=payload)
        except IntegrityError:
            kept = await InboxUpdate.filter(id=update_id).values_list("payload", flat=True)
            if not kept or bytes(kept[0]) == payload:
                return False
            if not await InboxUpdate.filter(id=update_id, handled_at__isnull=False).delete():
                return False
        else:
            return True
    return False


async def mark_handled(update_ids: list[int]) -> None:
    """Record that these updates were handled (a replay skips them); a row already marked keeps its time."""
    await InboxUpdate.filter(id__in=update_ids, handled_at__isnull=True).update(handled_at=datetime.now(UTC))


async def unhandled_updates() -> list[bytes]:
    """Every update kept and not handled, oldest first: what a crash left in hand."""
    query = InboxUpdate.filter(handled_at__isnull=True).order_by("id")
    return [bytes(payload) for payload in await query.values_list("payload", flat=True)]


async def prune_inbox(before: datetime) -> int:
    """Delete the updates handled before `before`; returns how many. Unhandled ones stay, however old."""
    return await InboxUpdate.filter(handled_at__lt=before).delete()


async def claim_update(conn: BaseDBAsyncClient, update_id: int | None) -> None:
    """Mark update `update_id` handled inside the caller's transaction `conn`, before its effect: the
    effect and the mark commit together or not at all. Raises AlreadyHandled when the update was
    marked before (the effect is done: the caller's transaction must change nothing). `None`, or an
    update that never went through the inbox (a test feeding the dispatcher), has nothing to claim.

    The conditional update is the gate: on PostgreSQL it locks the row until commit, so a second
    claimer waits and then finds it handled; SQLite's single writer does the same."""
    if update_id is None:
        return
    if await InboxUpdate.filter(id=update_id, handled_at__isnull=True).using_db(conn).update(handled_at=datetime.now(UTC)):
        return
    if await InboxUpdate.filter(id=update_id).using_db(conn).exists():
        raise AlreadyHandled(update_id)
