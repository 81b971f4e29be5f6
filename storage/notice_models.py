"""Tortoise model of what each staff member is told in the chat as it happens (storage.staff_notices).
(Beside storage.models, which holds the shop's own data.)"""

from tortoise import fields, models

from storage.models import User


class StaffNotices(models.Model):
    """One staff member's choices. Without a row the defaults of storage.records.NoticeChoices hold.

    `digest_sent_on` is the UTC date of the last daily digest claimed for them: the digest goes out
    once a day, whichever process (or restart) gets there first.
    """

    id = fields.BigIntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "shop.User", related_name="staff_notices", on_delete=fields.CASCADE
    )
    user_id: int
    sales = fields.BooleanField(default=False)
    digest = fields.BooleanField(default=False)
    digest_hour = fields.SmallIntField(default=9)
    low_stock = fields.BooleanField(default=False)
    payments = fields.BooleanField(default=False)
    disputes = fields.BooleanField(default=True)
    digest_sent_on = fields.DateField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "staff_notices"
