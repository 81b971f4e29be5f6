from tortoise import fields
from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('shop', '0009_purchase_dates')]

    initial = False

    # The inbox keeps handled updates (handled_at set) for a day instead of deleting them, and the
    # chat each update belongs to. Rows left by an older version are unhandled, in no chat (0).
    # makemigrations also proposes dropping and re-adding users.id and inbox_updates.id (it misreads
    # non-generated primary keys); that would destroy the tables' keys and is left out on purpose.
    operations = [
        ops.AlterModelOptions(
            name='InboxUpdate',
            options={
                'table': 'inbox_updates', 'app': 'shop', 'pk_attr': 'id',
                'table_description': (
                    'An update from Telegram, kept from before Telegram is told it arrived to a day after it was handled.'
                ),
            },
        ),
        ops.AddField(
            model_name='InboxUpdate',
            name='chat_id',
            field=fields.BigIntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='InboxUpdate',
            name='handled_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='InboxUpdate',
            index=Index(fields=['handled_at']),
        ),
        ops.AddIndex(
            model_name='InboxUpdate',
            index=Index(fields=['chat_id', 'id']),
        ),
    ]
