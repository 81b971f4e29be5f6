from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('shop', '0007_broadcast_lease')]

    initial = False

    # Units stored before this migration keep their content in clear and no fingerprint until the
    # first process with the stock key opens the database (storage.vault.bind_vault seals them).
    # makemigrations also proposes dropping and re-adding users.id and inbox_updates.id (it misreads
    # non-generated primary keys); that would destroy the tables' keys and is left out on purpose.
    operations = [
        ops.AddField(
            model_name='StockUnit',
            name='fingerprint',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddIndex(
            model_name='StockUnit',
            index=Index(fields=['item_id', 'fingerprint']),
        ),
    ]
