"""The Tortoise model of the conversion funnel (beside storage.models, which holds the shop's own data).

A user's row is written the first time they reach a step past registering (see storage.funnel):
each later step sets its own column once, by a conditional UPDATE (`... WHERE col IS NULL`), so
counting a funnel is one aggregate over the rows of the users who registered in a window.
"""

from tortoise import fields, models


class UserMilestone(models.Model):
    """When a user first opened an item, first confirmed a purchase (or asked for its invoice), and
    first completed one. `started_at` is their registration, copied so the funnel reads one table."""

    # The user's id (users are never deleted: their purchases hold them), without a join to users.
    user_id = fields.BigIntField(primary_key=True, generated=False)
    started_at = fields.DatetimeField()
    opened_at = fields.DatetimeField(null=True)
    confirmed_at = fields.DatetimeField(null=True)
    paid_at = fields.DatetimeField(null=True)

    class Meta:
        table = "user_milestones"
        # The funnel counts the users who registered in a window.
        indexes = (("started_at",),)
