from tortoise import migrations
from tortoise.migrations import operations as ops
from storage.models import BroadcastStatus, LedgerKind
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('shop', '0005_payments')]

    initial = False

    # makemigrations also proposes dropping and re-adding users.id and inbox_updates.id (it misreads
    # non-generated primary keys); that would destroy the tables' keys and is left out on purpose.

    operations = [
        ops.CreateModel(
            name='Broadcast',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_by', fields.BigIntField()),
                ('text', fields.TextField(unique=False)),
                ('button_text', fields.CharField(null=True, max_length=64)),
                ('button_url', fields.CharField(null=True, max_length=512)),
                ('audience', fields.CharField(max_length=16)),
                ('paid', fields.BooleanField(default=False)),
                ('status', fields.CharEnumField(default=BroadcastStatus.RUNNING, description='RUNNING: running\nPAUSED: paused\nCANCELLED: cancelled\nDONE: done', enum_type=BroadcastStatus, max_length=16)),
                ('cursor', fields.BigIntField(default=0)),
                ('total', fields.IntField(default=0)),
                ('delivered', fields.IntField(default=0)),
                ('blocked', fields.IntField(default=0)),
                ('failed', fields.IntField(default=0)),
                ('progress_chat_id', fields.BigIntField(null=True)),
                ('progress_message_id', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'broadcasts', 'app': 'shop', 'indexes': [Index(fields=['status'])], 'pk_attr': 'id', 'table_description': 'A message to an audience, sent by the broadcaster in user id order. `cursor` is the highest'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Setting',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('value', fields.TextField(unique=False)),
            ],
            options={'table': 'settings', 'app': 'shop', 'pk_attr': 'key', 'table_description': 'Shop-wide switches the staff change at run time (maintenance mode), shared by every process.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Category',
            name='deleted_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Category',
            name='hidden',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Item',
            name='deleted_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AlterField(
            model_name='LedgerEntry',
            name='kind',
            field=fields.CharEnumField(description='TOPUP: topup\nPURCHASE: purchase\nREFUND: refund\nADJUSTMENT: adjustment\nREFERRAL: referral\nPROMO: promo\nREVERSAL: reversal', enum_type=LedgerKind, max_length=16),
        ),
        ops.AddField(
            model_name='User',
            name='bot_blocked',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='User',
            name='permissions',
            field=fields.CharField(default='', db_default='', max_length=128),
        ),
    ]
