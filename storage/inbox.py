"""The update inbox: every update fetched from Telegram, from before Telegram is told it arrived until
a day after it was handled (see models.InboxUpdate).

The poller stashes each fetched batch here before its next getUpdates confirms the batch to
Telegram, marks updates handled once handled, and replays the unhandled ones after a crash. In
webhook mode each request's update is taken here (`take_update`) before the request is answered. An effect
that must not happen twice for one update (a credit code redeemed, a dispute opened) claims the update
in its own transaction with `claim_update`: a crash after that commit and before the poller's mark
cannot make the replay repeat the effect.

Owners: with several processes on one database (webhook mode behind a load balancer), each row names
the process that handles it (`owner`, its holder id), written by the INSERT that keeps the update, so
owning costs no extra round trip. A process is alive while its lease named by its holder id
(storage.leases) is unexpired: one row per process, renewed every few seconds (`beat`), not one per
update. `adopt_updates` takes over the unhandled rows of processes gone (or of none), so a starting
process leaves alone what a live one has in hand, and a process killed after answering 200 has its
rows handled by another within the lease time.
"""

from datetime import UTC, datetime
from typing import Literal, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from storage.errors import AlreadyHandled
from storage.lease_models import Lease
from storage.models import InboxUpdate


async def stash_updates(updates: list[tuple[int, int, bytes]], owner: str | None = None) -> list[int]:
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
            InboxUpdate(id=update_id, chat_id=chat_id, payload=payload, owner=owner)
            for update_id, chat_id, payload in updates
            if kept.get(update_id) != payload
        ]
        reused = [row.id for row in new if row.id in kept]
        if reused:
            await InboxUpdate.filter(id__in=reused).using_db(conn).delete()
        # ignore_conflicts: a row another process kept meanwhile is that process's to handle.
        await InboxUpdate.bulk_create(new, ignore_conflicts=True, using_db=conn)
    return [row.id for row in new]


# What keeping one webhook request's update found (see take_update).
type Claim = Literal["kept", "behind", "duplicate"]


async def take_update(update_id: int, chat_id: int, payload: bytes, owner: str | None = None) -> Claim:
    """Keep one update a webhook request brought. "kept" when this call kept it (the caller handles
    it), "duplicate" when it was kept before, by this process or another (Telegram delivered it
    again, or two processes got it): the row's primary key is the claim, so exactly one caller wins.
    Unlike `stash_updates` it answers for this one call, not for what was in the table before it.
    "behind", given an `owner` (several processes): kept, but an earlier update of its chat is still
    unhandled in another process's hands (see waits_behind), asked in the same crossing.

    An id kept with other JSON and handled is an id reused (see stash_updates): the old row gives
    way once. An old row not handled yet keeps its claim (its update is replayed, and this one is
    refused: Telegram reuses ids only after a week without updates, so that is no live case)."""
    for _ in range(2):
        try:
            await InboxUpdate.create(id=update_id, chat_id=chat_id, payload=payload, owner=owner)
        except IntegrityError:
            kept = await InboxUpdate.filter(id=update_id).values_list("payload", flat=True)
            if not kept or bytes(kept[0]) == payload:
                return "duplicate"
            if not await InboxUpdate.filter(id=update_id, handled_at__isnull=False).delete():
                return "duplicate"
        else:
            behind = owner is not None and await waits_behind(update_id, chat_id, owner)
            return "behind" if behind else "kept"
    return "duplicate"


async def take_updates(updates: list[tuple[int, int, bytes]], owner: str | None = None) -> list[Claim]:
    """`take_update` for several webhook requests' updates at once, in their order: one INSERT and one
    probe of their chats in the usual case, where none was kept before. When one was (a redelivery,
    an id reused), the INSERT fails as a whole and each is taken on its own."""
    rows = [InboxUpdate(id=update_id, chat_id=chat_id, payload=payload, owner=owner) for update_id, chat_id, payload in updates]
    try:
        async with in_transaction() as conn:
            await InboxUpdate.bulk_create(rows, using_db=conn)
    except IntegrityError:
        return [await take_update(update_id, chat_id, payload, owner) for update_id, chat_id, payload in updates]
    if owner is None:
        return ["kept"] * len(updates)
    behind = await _earliest_elsewhere({chat_id for _, chat_id, _ in updates if chat_id}, owner)
    return ["behind" if update_id > behind.get(chat_id, update_id) else "kept" for update_id, chat_id, _ in updates]


async def _earliest_elsewhere(chats: set[int], owner: str) -> dict[int, int]:
    """Per chat of `chats`, the earliest update kept unhandled by another process (or by none). One
    probe of the (chat_id, id) index, in SQL of our own: it runs for every batch of webhook updates,
    and Tortoise builds the same query at about twice the CPU."""
    if not chats:
        return {}
    conn = InboxUpdate._meta.db
    postgres = conn.capabilities.dialect == "postgres"
    marks = [f"${n}" if postgres else "?" for n in range(1, len(chats) + 2)]
    sql = (
        f"SELECT chat_id, MIN(id) FROM inbox_updates WHERE chat_id IN ({', '.join(marks[:-1])}) AND handled_at IS NULL"
        f" AND (owner IS NULL OR owner <> {marks[-1]}) GROUP BY chat_id"
    )
    _, rows = await conn.execute_query(sql, [*chats, owner])
    return {int(chat_id): int(earliest) for chat_id, earliest in (tuple(row) for row in rows)}


async def waits_behind(update_id: int, chat_id: int, owner: str) -> bool:
    """True when an earlier update of chat `chat_id` is kept unhandled by another process (or by
    none): `owner` must not handle `update_id` before it, to keep the chat's order (see
    actors.webhook: Telegram sends a chat's next update once the previous request was answered,
    which a process does on keeping it, before handling it). An update of no chat (0) waits for none."""
    earliest = await _earliest_elsewhere({chat_id} if chat_id else set(), owner)
    return update_id > earliest.get(chat_id, update_id)


async def mark_handled(update_ids: list[int]) -> None:
    """Record that these updates were handled (a replay skips them); a row already marked keeps its time."""
    await InboxUpdate.filter(id__in=update_ids, handled_at__isnull=True).update(handled_at=datetime.now(UTC))


async def unhandled_updates(owner: str | None = None, *, now: datetime | None = None) -> list[bytes]:
    """Every update kept and not handled, oldest first: what a crash left in hand. Given an `owner`
    (a process with several on the database), only that owner's (a restart under the same holder
    id) and those it adopts (see adopt_updates) at `now`."""
    query = InboxUpdate.filter(handled_at__isnull=True).order_by("id")
    if owner is None:
        return [bytes(payload) for payload in await query.values_list("payload", flat=True)]
    own = await query.filter(owner=owner).values_list("id", "payload")
    adopted = await adopt_updates(owner, now=now or datetime.now(UTC))
    return [bytes(payload) for _, payload in sorted([*own, *adopted])]


async def beat(owner: str, *, now: datetime, until: datetime) -> None:
    """`owner` is alive until `until`: its rows are not adopted before (its lease named by itself)."""
    if not await Lease.filter(name=owner).update(holder=owner, expires_at=until):
        try:
            await Lease.create(name=owner, holder=owner, expires_at=until)
        except IntegrityError:
            await Lease.filter(name=owner).update(holder=owner, expires_at=until)


async def stop_beating(owner: str) -> None:
    """`owner` stops (a graceful stop): what it leaves unhandled may be adopted at once."""
    await Lease.filter(name=owner).delete()


async def adopt_updates(owner: str, *, now: datetime) -> list[tuple[int, bytes]]:
    """Take over, for `owner`, the unhandled updates of processes whose lease expired by `now` (or
    that never had one) and those of no owner; returns (id, JSON) of those taken, oldest first.

    Each row is taken by a conditional UPDATE naming its previous owner: of two processes adopting
    it, one wins (on PostgreSQL the second waits for the first's row lock, then finds the owner
    changed; SQLite has one writer). A row per statement, but only rows of a process gone cost one."""
    live = set(cast(list[str], await Lease.filter(expires_at__gte=now).values_list("name", flat=True)))
    unhandled = InboxUpdate.filter(handled_at__isnull=True)
    owners: set[str | None] = set(cast(list[str | None], await unhandled.distinct().values_list("owner", flat=True)))
    gone = [previous for previous in owners if previous != owner and previous not in live]
    if not gone:
        return []
    orphans = Q(owner__in=[previous for previous in gone if previous is not None])
    if None in gone:
        orphans |= Q(owner__isnull=True)
    adopted = []
    for update_id, previous, payload in await unhandled.filter(orphans).order_by("id").values_list("id", "owner", "payload"):
        row = InboxUpdate.filter(id=update_id, handled_at__isnull=True)
        row = row.filter(owner=previous) if previous is not None else row.filter(owner__isnull=True)
        if await row.update(owner=owner):
            adopted.append((update_id, bytes(payload)))
    return adopted


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
