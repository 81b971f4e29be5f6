from tortoise import migrations
from tortoise.migrations import operations as ops
from storage.models import ItemKind, LedgerKind, PromoKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

from tortoise.migrations.operations import RunPython


async def _backfill(apps, schema_editor):
    """Fold existing titles for search (in Python: SQLite's LOWER() folds ASCII only) and snapshot
    each purchase's item title for its history."""
    client = schema_editor.client
    first, second = ("$1", "$2") if client.capabilities.dialect == "postgres" else ("?", "?")
    _, rows = await client.execute_query("SELECT id, title FROM items")
    for row in rows:
        await client.execute_query(
            f"UPDATE items SET title_folded = {first} WHERE id = {second}", [row["title"].casefold(), row["id"]]
        )
    await client.execute_script(
        "UPDATE purchases SET item_title = (SELECT title FROM items WHERE items.id = purchases.item_id), "
        "price = total / quantity"
    )


class Migration(migrations.Migration):
    dependencies = [('shop', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('actor_id', fields.BigIntField(null=True)),
                ('action', fields.CharField(max_length=64)),
                ('target', fields.CharField(default='', max_length=128)),
                ('detail', fields.TextField(default='', unique=False)),
                ('security', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'audit_events', 'app': 'shop', 'indexes': [Index(fields=['created_at']), Index(fields=['security', 'created_at'])], 'pk_attr': 'id', 'table_description': 'Who did what to what, and when. `security` marks refused or suspicious attempts.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PromoCode',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('kind', fields.CharEnumField(description='PERCENT: percent\nFIXED: fixed\nCREDIT: credit', enum_type=PromoKind, max_length=16)),
                ('value', fields.DecimalField(max_digits=18, decimal_places=2)),
                ('max_uses', fields.IntField(null=True)),
                ('uses', fields.IntField(default=0)),
                ('once_per_user', fields.BooleanField(default=True)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('item', fields.ForeignKeyField('shop.Item', source_field='item_id', null=True, db_constraint=True, to_field='id', related_name='promo_codes', on_delete=OnDelete.CASCADE)),
                ('category', fields.ForeignKeyField('shop.Category', source_field='category_id', null=True, db_constraint=True, to_field='id', related_name='promo_codes', on_delete=OnDelete.CASCADE)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'promo_codes', 'app': 'shop', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PromoRedemption',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('promo', fields.ForeignKeyField('shop.PromoCode', source_field='promo_id', db_constraint=True, to_field='id', related_name='redemptions', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('shop.User', source_field='user_id', db_constraint=True, to_field='id', related_name='redemptions', on_delete=OnDelete.RESTRICT)),
                ('purchase', fields.ForeignKeyField('shop.Purchase', source_field='purchase_id', null=True, db_constraint=True, to_field='id', related_name='redemptions', on_delete=OnDelete.RESTRICT)),
                ('amount', fields.DecimalField(max_digits=18, decimal_places=2)),
                ('once_key', fields.CharField(null=True, unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'promo_redemptions', 'app': 'shop', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Review',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('shop.User', source_field='user_id', db_constraint=True, to_field='id', related_name='reviews', on_delete=OnDelete.CASCADE)),
                ('item', fields.ForeignKeyField('shop.Item', source_field='item_id', db_constraint=True, to_field='id', related_name='reviews', on_delete=OnDelete.CASCADE)),
                ('rating', fields.SmallIntField()),
                ('text', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'reviews', 'app': 'shop', 'unique_together': (('user', 'item'),), 'indexes': [Index(fields=['item_id', 'updated_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Category',
            name='parent',
            field=fields.ForeignKeyField('shop.Category', source_field='parent_id', null=True, db_constraint=True, to_field='id', related_name='children', on_delete=OnDelete.RESTRICT),
        ),
        ops.AddIndex(
            model_name='Category',
            index=Index(fields=['parent_id', 'name']),
        ),
        ops.AddField(
            model_name='Item',
            name='content',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
        ops.AddField(
            model_name='Item',
            name='file_data',
            field=fields.BinaryField(null=True),
        ),
        ops.AddField(
            model_name='Item',
            name='file_name',
            field=fields.CharField(null=True, max_length=128),
        ),
        ops.AddField(
            model_name='Item',
            name='kind',
            field=fields.CharEnumField(default=ItemKind.UNIQUE, description='UNIQUE: unique\nUNLIMITED: unlimited\nFILE: file', db_default=ItemKind.UNIQUE, enum_type=ItemKind, max_length=16),
        ),
        ops.AddField(
            model_name='Item',
            name='photo',
            field=fields.CharField(null=True, max_length=512),
        ),
        ops.AddField(
            model_name='Item',
            name='rating_count',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Item',
            name='rating_sum',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Item',
            name='title_folded',
            field=fields.CharField(default='', db_default='', max_length=128),
        ),
        ops.AddIndex(
            model_name='Item',
            index=Index(fields=['category_id', 'hidden', 'title']),
        ),
        ops.AddIndex(
            model_name='Item',
            index=Index(fields=['hidden', 'title_folded']),
        ),
        ops.AlterField(
            model_name='LedgerEntry',
            name='kind',
            field=fields.CharEnumField(description='TOPUP: topup\nPURCHASE: purchase\nREFUND: refund\nADJUSTMENT: adjustment\nREFERRAL: referral\nPROMO: promo', enum_type=LedgerKind, max_length=16),
        ),
        ops.AddField(
            model_name='Purchase',
            name='content',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Purchase',
            name='discount',
            field=fields.DecimalField(default=0, db_default=0, max_digits=18, decimal_places=2),
        ),
        ops.AddField(
            model_name='Purchase',
            name='item_title',
            field=fields.CharField(default='', db_default='', max_length=128),
        ),
        ops.AddField(
            model_name='Purchase',
            name='kind',
            field=fields.CharEnumField(default=ItemKind.UNIQUE, description='UNIQUE: unique\nUNLIMITED: unlimited\nFILE: file', db_default=ItemKind.UNIQUE, enum_type=ItemKind, max_length=16),
        ),
        ops.AddField(
            model_name='Purchase',
            name='price',
            field=fields.DecimalField(default=0, db_default=0, max_digits=18, decimal_places=2),
        ),
        ops.AddField(
            model_name='User',
            name='language',
            field=fields.CharField(null=True, max_length=8),
        ),
        ops.AddField(
            model_name='User',
            name='referral_earned',
            field=fields.DecimalField(default=0, db_default=0, max_digits=18, decimal_places=2),
        ),
        ops.AddField(
            model_name='User',
            name='referral_paid',
            field=fields.DecimalField(default=0, db_default=0, max_digits=18, decimal_places=2),
        ),
        ops.AddField(
            model_name='User',
            name='referrer',
            field=fields.ForeignKeyField('shop.User', source_field='referrer_id', null=True, db_constraint=True, to_field='id', related_name='referrals', on_delete=OnDelete.SET_NULL),
        ),
        # makemigrations also proposed dropping and re-adding users.id (it misreads the non-generated
        # Telegram-id primary key); that would destroy the table's key and is left out on purpose.
        ops.RunPython(_backfill, RunPython.noop),
    ]
