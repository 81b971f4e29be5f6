from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [('shop', '0003_referrer_index')]

    initial = False

    # makemigrations also proposes dropping and re-adding users.id (it misreads the non-generated
    # Telegram-id primary key); that would destroy the table's key and is left out on purpose.
    operations = [
        ops.CreateModel(
            name='InboxUpdate',
            fields=[
                ('id', fields.BigIntField(primary_key=True, unique=True, db_index=True)),
                ('payload', fields.BinaryField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'inbox_updates', 'app': 'shop', 'pk_attr': 'id', 'table_description': 'Updates fetched from Telegram and not yet handled.'},
            bases=['Model'],
        ),
    ]
