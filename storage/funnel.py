"""The conversion funnel's milestones: when a user first opened an item, confirmed a purchase, paid.

Each is written once per user, cheaply: a conditional UPDATE (`... WHERE col IS NULL`) that later
visits leave alone, and the Store keeps the users it has marked in a bounded in-process cache
(storage.bridge) so that a user's repeated item views cross to the database once. The chat notes
each step where it happens, "paid" once the goods of a purchase (by balance or by an invoice paid)
went out: not inside the purchase's transaction, where a statement per batch cost the purchase bench
a third of its rate. The row is made on a user's first milestone, with their registration as
`started_at`; two processes making it at once are settled by the primary key.
"""

from collections.abc import Collection
from datetime import datetime
from enum import StrEnum

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from storage.funnel_models import UserMilestone
from storage.models import User


class Step(StrEnum):
    """A funnel step past registering, named by its column (`<step>_at`)."""

    OPENED = "opened"  # an item's card
    CONFIRMED = "confirmed"  # Confirm on an order, or an invoice asked for
    PAID = "paid"  # a purchase completed


async def reach_step(user_id: int, step: Step, now: datetime) -> None:
    """Note that `user_id` reached `step` at `now`, unless they had before. An unknown user is ignored."""
    async with in_transaction() as conn:
        await _reach(conn, [user_id], Step(step), now)


async def _reach(conn: BaseDBAsyncClient, user_ids: Collection[int], step: Step, now: datetime) -> None:
    column = f"{step}_at"
    rows = dict(await UserMilestone.filter(user_id__in=list(user_ids)).using_db(conn).values_list("user_id", column))
    due = [user_id for user_id, reached in rows.items() if reached is None]
    if due:
        await UserMilestone.filter(user_id__in=due, **{f"{column}__isnull": True}).using_db(conn).update(**{column: now})
    missing = [user_id for user_id in user_ids if user_id not in rows]
    if missing:
        started = await User.filter(id__in=missing).using_db(conn).values_list("id", "created_at")
        await UserMilestone.bulk_create(
            [UserMilestone(user_id=user_id, started_at=created_at, **{column: now}) for user_id, created_at in started],
            ignore_conflicts=True,
            using_db=conn,
        )
        # Another process may have made a row first, without this step.
        await UserMilestone.filter(user_id__in=missing, **{f"{column}__isnull": True}).using_db(conn).update(**{column: now})
