from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.operations import RunPython


async def _told_before(apps, schema_editor):
    """Payments settled before this migration were announced when they were settled (or, if a crash
    came in between, long enough ago that a "paid" message now would confuse): mark them told, so the
    reconciler does not tell their payers again."""
    await schema_editor.client.execute_script("UPDATE payments SET notified_at = paid_at WHERE paid_at IS NOT NULL")


class Migration(migrations.Migration):
    dependencies = [('shop', '0010_inbox_state')]

    initial = False

    # makemigrations also proposes dropping and re-adding users.id and inbox_updates.id (it misreads
    # non-generated primary keys); that would destroy the tables' keys and is left out on purpose.
    # It also proposes an AlterField of ledger_entries.kind for the new kind reward_reversal: only the
    # column's comment changes (the column holds up to 16 characters either way), and on SQLite that
    # operation copies the whole ledger into a new table, so it is left out too.
    operations = [
        ops.AddField(
            model_name='Payment',
            name='notice_claimed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Payment',
            name='notified_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Payment',
            name='referral_reward',
            field=fields.DecimalField(default=0, db_default=0, max_digits=18, decimal_places=2),
        ),
        ops.AddField(
            model_name='Payment',
            name='referral_reversed',
            field=fields.DecimalField(default=0, db_default=0, max_digits=18, decimal_places=2),
        ),
        ops.AddIndex(
            model_name='Payment',
            index=Index(fields=['notified_at', 'paid_at']),
        ),
        ops.AddField(
            model_name='Purchase',
            name='revoked_for',
            field=fields.UUIDField(null=True),
        ),
        ops.AddIndex(
            model_name='Purchase',
            index=Index(fields=['revoked_for']),
        ),
        ops.RunPython(_told_before, RunPython.noop),
    ]
