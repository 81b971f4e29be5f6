from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [('shop', '0017_shop_events')]

    initial = False

    # What each staff member is told in the chat as it happens (storage.staff_notices).
    # makemigrations also proposes dropping and re-adding users.id and inbox_updates.id (it misreads
    # non-generated primary keys) and restating unchanged options; those are left out on purpose.
    operations = [
        ops.CreateModel(
            name='StaffNotices',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.OneToOneField('shop.User', source_field='user_id', db_constraint=True, to_field='id', related_name='staff_notices', on_delete=OnDelete.CASCADE)),
                ('sales', fields.BooleanField(default=False)),
                ('digest', fields.BooleanField(default=False)),
                ('digest_hour', fields.SmallIntField(default=9)),
                ('low_stock', fields.BooleanField(default=False)),
                ('payments', fields.BooleanField(default=False)),
                ('disputes', fields.BooleanField(default=True)),
                ('digest_sent_on', fields.DateField(null=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'staff_notices', 'app': 'shop', 'pk_attr': 'id', 'table_description': "One staff member's choices. Without a row the defaults of storage.records.NoticeChoices hold."},
            bases=['Model'],
        ),
    ]
