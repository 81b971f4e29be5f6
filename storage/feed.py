"""The shop's business-event feed: purchases, payments, refunds, registrations, staff actions,
security events, disputes and crashes, in the order they were committed.

Each use case that makes such a change writes its row with `add_event` inside its own transaction,
so the row commits with the change or not at all. Readers (the web app's live updates, the staff's
notices) poll `shop_events_after` with the last id they saw: the feed lives in the database, so every
process sees every process's events. An id is taken when the row is written and commits later, so a
reader may see a higher id before a lower one commits: readers that must miss nothing ask again for
the ids they skipped, for a while (`shop_events_among`, see webui.live).
"""

from collections.abc import Collection, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from tortoise.transactions import in_transaction

from storage.feed_models import ShopEvent
from storage.kinds import ShopEventKind
from storage.models import Purchase
from storage.records import ShopEventPage, ShopEventRecord

# The most rows one read returns, whatever is asked.
READ_MAX = 500
SUMMARY_MAX = 256


def event_record(event: ShopEvent) -> ShopEventRecord:
    return ShopEventRecord(
        id=event.id,
        kind=ShopEventKind(event.kind),
        created_at=event.created_at,
        user_id=event.user_id,
        subject=event.subject,
        amount=Decimal(event.amount) if event.amount is not None else None,
        currency=event.currency,
        summary=event.summary,
    )


def new_event(
    kind: ShopEventKind,
    summary: str,
    *,
    user_id: int | None = None,
    subject: str = "",
    amount: Decimal | None = None,
    currency: str = "",
) -> ShopEvent:
    """An unsaved row, for `add_events`."""
    return ShopEvent(
        kind=kind,
        user_id=user_id,
        subject=subject[:64],
        amount=amount,
        currency=currency[:8],
        summary=summary.replace("\x00", "\ufffd")[:SUMMARY_MAX],
    )


async def add_event(
    conn: Any,
    kind: ShopEventKind,
    summary: str,
    *,
    user_id: int | None = None,
    subject: str = "",
    amount: Decimal | None = None,
    currency: str = "",
) -> None:
    """Inside a use case's transaction `conn`: one feed row, committed with the change it tells of."""
    event = new_event(kind, summary, user_id=user_id, subject=subject, amount=amount, currency=currency)
    await event.save(using_db=conn)


async def add_events(conn: Any, events: Iterable[ShopEvent]) -> None:
    """`add_event` for many rows in one INSERT (a batch of purchases)."""
    rows = list(events)
    if rows:
        await ShopEvent.bulk_create(rows, using_db=conn)


async def shop_events_after(after_id: int, limit: int = 100) -> list[ShopEventRecord]:
    """The events with an id above `after_id`, oldest first, at most `limit` (and READ_MAX)."""
    rows = await ShopEvent.filter(id__gt=after_id).order_by("id").limit(max(1, min(limit, READ_MAX)))
    return [event_record(row) for row in rows]


async def shop_events_among(ids: list[int]) -> list[ShopEventRecord]:
    """Those of the events with these ids that exist now (committed), oldest first: a reader that
    saw a higher id asks again for the ones it has not seen (see webui.live)."""
    rows = await ShopEvent.filter(id__in=ids[:READ_MAX]).order_by("id") if ids else []
    return [event_record(row) for row in rows]


async def latest_shop_event_id() -> int:
    """The highest id in the feed (0 when it is empty): where a reader that wants only new events starts."""
    found = cast(list[int], await ShopEvent.all().order_by("-id").limit(1).values_list("id", flat=True))
    return found[0] if found else 0


async def shop_events_page(
    *,
    before: int | None = None,
    kinds: Collection[ShopEventKind] | None = None,
    user_id: int | None = None,
    size: int = 50,
) -> ShopEventPage:
    """One page of the feed, newest first: the events below id `before` (from the newest without it),
    of one of `kinds` (those the reader may see, or the one they asked for) and about `user_id` when
    given. Keyset paging: the cost does not grow with the page's depth."""
    size = max(1, min(size, READ_MAX))
    if kinds is not None and not kinds:
        return ShopEventPage(rows=[], before=None)
    query = ShopEvent.all()
    if before is not None:
        query = query.filter(id__lt=before)
    if kinds is not None:
        query = query.filter(kind__in=sorted(kinds))
    if user_id is not None:
        query = query.filter(user_id=user_id)
    # One row more than the page tells whether an older page exists.
    rows = await query.order_by("-id").limit(size + 1)
    shown = [event_record(row) for row in rows[:size]]
    return ShopEventPage(rows=shown, before=shown[-1].id if len(rows) > size else None)


def purchase_events(purchases: Iterable[Purchase]) -> list[ShopEvent]:
    """The feed rows of purchases just made (in the batch's transaction)."""
    return [
        new_event(
            ShopEventKind.PURCHASE,
            f"user {purchase.user_id} bought {purchase.quantity} × {purchase.item_title}",
            user_id=purchase.user_id,
            subject=f"purchase:{purchase.id}",
            amount=purchase.total,
        )
        for purchase in purchases
    ]


async def record_crash(actor: str, reason: str) -> None:
    """An actor crashed (and is being restarted) for `reason`, which the caller has stripped of secrets."""
    async with in_transaction() as conn:
        await add_event(conn, ShopEventKind.CRASH, f"{actor} crashed: {reason}", subject=f"actor:{actor}")


async def prune_shop_events(before: datetime) -> int:
    """Delete the events older than `before` (kept as long as the audit log); returns how many."""
    return await ShopEvent.filter(created_at__lt=before).delete()
