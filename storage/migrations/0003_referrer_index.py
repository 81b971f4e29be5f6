from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [('shop', '0002_shop_complete')]

    initial = False

    # makemigrations also proposes dropping and re-adding users.id (it misreads the non-generated
    # Telegram-id primary key); that would destroy the table's key and is left out on purpose.
    operations = [
        ops.AddIndex(
            model_name='User',
            index=Index(fields=['referrer_id']),
        ),
    ]
