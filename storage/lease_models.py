"""Tortoise model of the leases that make singleton work run in one shop process at a time.
(Beside storage.models, which holds the shop's own data.)"""

from tortoise import fields, models


class Lease(models.Model):
    """Who does one singleton's work (`name`: "broadcaster", "reconciler", ...) and until when: the
    holder renews `expires_at` every few seconds; once it has passed, another process may take over."""

    name = fields.CharField(max_length=32, primary_key=True)
    holder = fields.CharField(max_length=64)
    # Wall-clock time (UTC), compared across processes: their clocks must agree to well within the
    # lease's margin (actors.singleton), as NTP keeps them.
    expires_at = fields.DatetimeField()

    class Meta:
        table = "leases"
