from tortoise import migrations
from tortoise.migrations import operations as ops
from storage.kinds import ShopEventKind
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [('shop', '0016_dashboard')]

    initial = False

    # The shop's business-event feed (storage.feed). makemigrations also proposes dropping and
    # re-adding users.id and inbox_updates.id (it misreads non-generated primary keys) and restating
    # unchanged options; those are left out on purpose.
    operations = [
        ops.CreateModel(
            name='ShopEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='PURCHASE: purchase\nPAYMENT: payment\nREFUND: refund\nREGISTRATION: registration\nSTAFF: staff\nSECURITY: security\nDISPUTE: dispute\nCRASH: crash', enum_type=ShopEventKind, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('user_id', fields.BigIntField(null=True)),
                ('subject', fields.CharField(default='', max_length=64)),
                ('amount', fields.DecimalField(null=True, max_digits=18, decimal_places=2)),
                ('currency', fields.CharField(default='', max_length=8)),
                ('summary', fields.CharField(default='', max_length=256)),
            ],
            options={'table': 'shop_events', 'app': 'shop', 'indexes': [Index(fields=['kind', 'id']), Index(fields=['user_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One business event. `user_id` is whom it concerns (no foreign key: the feed outlives nothing it'},
            bases=['Model'],
        ),
    ]
