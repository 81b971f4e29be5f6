"""The Tortoise model of the shop's business-event feed (storage.feed), beside storage.models, which
holds the shop's own data.

A row is written by a use case in the same transaction as the change it tells of, so a change rolled
back leaves no row, and every process reads the feed from here: the id is the order, and a reader
resumes after the last id it saw.
"""

from tortoise import fields, models

from storage.kinds import ShopEventKind
from storage.models import MONEY


class ShopEvent(models.Model):
    """One business event. `user_id` is whom it concerns (no foreign key: the feed outlives nothing it
    names and costs no lock on users); `subject` what, as "<kind>:<id>" ("purchase:…", "payment:…",
    "user:678", "item:9"), for a link; `amount` is in the shop's currency when there is money in it.
    `summary` is short plain text for people, and never holds a secret, stock content or a token."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharEnumField(ShopEventKind, max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)
    user_id = fields.BigIntField(null=True)
    subject = fields.CharField(max_length=64, default="")
    amount = fields.DecimalField(*MONEY, null=True)
    currency = fields.CharField(max_length=8, default="")
    summary = fields.CharField(max_length=256, default="")

    class Meta:
        table = "shop_events"
        # The page's filters, each read newest first by id.
        indexes = (("kind", "id"), ("user_id", "id"))
