"""The update inbox: updates fetched from Telegram and not yet handled (see models.InboxUpdate).

The poller stashes each fetched batch here before its next getUpdates confirms the batch to
Telegram, releases updates once handled, and replays what is left after a crash.
"""

from tortoise.transactions import in_transaction

from storage.models import InboxUpdate


async def stash_updates(updates: list[tuple[int, bytes]]) -> None:
    """Keep fetched updates (id, JSON); an update already kept is kept once."""
    async with in_transaction() as conn:
        await InboxUpdate.bulk_create(
            [InboxUpdate(id=update_id, payload=payload) for update_id, payload in updates], ignore_conflicts=True,
            using_db=conn,
        )


async def release_updates(update_ids: list[int]) -> None:
    """Forget handled updates."""
    await InboxUpdate.filter(id__in=update_ids).delete()


async def unhandled_updates() -> list[bytes]:
    """Every update kept and not released, oldest first: what a crash left in hand."""
    return [bytes(payload) for payload in await InboxUpdate.all().order_by("id").values_list("payload", flat=True)]
