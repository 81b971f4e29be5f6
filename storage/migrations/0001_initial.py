from tortoise import migrations
from tortoise.migrations import operations as ops
from storage.models import LedgerKind, Role
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Category',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=128)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'categories', 'app': 'shop', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Item',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('category', fields.ForeignKeyField('shop.Category', source_field='category_id', db_constraint=True, to_field='id', related_name='items', on_delete=OnDelete.RESTRICT)),
                ('title', fields.CharField(unique=True, max_length=128)),
                ('description', fields.TextField(default='', unique=False)),
                ('price', fields.DecimalField(max_digits=18, decimal_places=2)),
                ('hidden', fields.BooleanField(default=False)),
                ('stock_left', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'items', 'app': 'shop', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.BigIntField(primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(null=True, max_length=64)),
                ('first_name', fields.CharField(default='', max_length=128)),
                ('language_code', fields.CharField(null=True, max_length=16)),
                ('role', fields.CharEnumField(default=Role.USER, description='USER: user\nADMIN: admin\nOWNER: owner', enum_type=Role, max_length=16)),
                ('balance', fields.DecimalField(default=0, max_digits=18, decimal_places=2)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'users', 'app': 'shop', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Purchase',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('request_key', fields.CharField(unique=True, max_length=128)),
                ('user', fields.ForeignKeyField('shop.User', source_field='user_id', db_constraint=True, to_field='id', related_name='purchases', on_delete=OnDelete.RESTRICT)),
                ('item', fields.ForeignKeyField('shop.Item', source_field='item_id', db_constraint=True, to_field='id', related_name='purchases', on_delete=OnDelete.RESTRICT)),
                ('quantity', fields.IntField(default=1)),
                ('total', fields.DecimalField(max_digits=18, decimal_places=2)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'purchases', 'app': 'shop', 'indexes': [Index(fields=['user_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LedgerEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('shop.User', source_field='user_id', db_constraint=True, to_field='id', related_name='ledger', on_delete=OnDelete.RESTRICT)),
                ('amount', fields.DecimalField(max_digits=18, decimal_places=2)),
                ('kind', fields.CharEnumField(description='TOPUP: topup\nPURCHASE: purchase\nREFUND: refund\nADJUSTMENT: adjustment', enum_type=LedgerKind, max_length=16)),
                ('reason', fields.CharField(default='', max_length=256)),
                ('purchase', fields.ForeignKeyField('shop.Purchase', source_field='purchase_id', null=True, db_constraint=True, to_field='id', related_name='ledger_entries', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'ledger_entries', 'app': 'shop', 'indexes': [Index(fields=['user_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StockUnit',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('item', fields.ForeignKeyField('shop.Item', source_field='item_id', db_constraint=True, to_field='id', related_name='units', on_delete=OnDelete.RESTRICT)),
                ('content', fields.TextField(unique=False)),
                ('sold', fields.BooleanField(default=False)),
                ('purchase', fields.ForeignKeyField('shop.Purchase', source_field='purchase_id', null=True, db_constraint=True, to_field='id', related_name='units', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'stock_units', 'app': 'shop', 'indexes': [Index(fields=['item_id', 'sold', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
