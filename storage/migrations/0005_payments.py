from tortoise import migrations
from tortoise.migrations import operations as ops
from storage.models import PaymentMethod, PaymentStatus
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('shop', '0004_update_inbox')]

    initial = False

    # makemigrations also proposes dropping and re-adding users.id and inbox_updates.id (it misreads
    # non-generated primary keys); that would destroy the tables' keys and is left out on purpose.

    operations = [
        ops.CreateModel(
            name='Payment',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('shop.User', source_field='user_id', db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT)),
                ('method', fields.CharEnumField(description='STARS: stars\nFIAT: fiat\nCRYPTOPAY: cryptopay', enum_type=PaymentMethod, max_length=16)),
                ('status', fields.CharEnumField(default=PaymentStatus.PENDING, description='PENDING: pending\nPAID: paid\nEXPIRED: expired\nREFUNDING: refunding\nREFUNDED: refunded', enum_type=PaymentStatus, max_length=16)),
                ('amount', fields.DecimalField(max_digits=18, decimal_places=2)),
                ('currency', fields.CharField(max_length=8)),
                ('provider_amount', fields.BigIntField()),
                ('item', fields.ForeignKeyField('shop.Item', source_field='item_id', null=True, db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT)),
                ('quantity', fields.IntField(default=1)),
                ('promo_code', fields.CharField(null=True, max_length=32)),
                ('external_id', fields.CharField(null=True, max_length=128)),
                ('provider_charge_id', fields.CharField(null=True, max_length=256)),
                ('pay_url', fields.CharField(null=True, max_length=512)),
                ('purchase', fields.ForeignKeyField('shop.Purchase', source_field='purchase_id', null=True, db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('refunded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'payments', 'app': 'shop', 'unique_together': (('method', 'external_id'),), 'indexes': [Index(fields=['status', 'expires_at']), Index(fields=['method', 'status']), Index(fields=['user_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'An order paid through a provider: a top-up, or a direct purchase of an item (`item` set).'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Purchase',
            name='revoked_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='User',
            name='blocked',
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
