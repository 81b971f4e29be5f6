from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('shop', '0008_sealed_stock')]

    initial = False

    # makemigrations also proposes dropping and re-adding users.id and inbox_updates.id (it misreads
    # non-generated primary keys); that would destroy the tables' keys and is left out on purpose.
    operations = [
        ops.AddIndex(
            model_name='Purchase',
            index=Index(fields=['created_at']),
        ),
    ]
