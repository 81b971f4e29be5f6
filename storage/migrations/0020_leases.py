from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [('shop', '0018_staff_notices')]

    initial = False

    # One lease per singleton (storage.leases), replacing the broadcast's own lease columns: the
    # broadcaster now works under the "broadcaster" lease like every singleton.
    # makemigrations also proposes dropping and re-adding users.id and inbox_updates.id (it misreads
    # non-generated primary keys) and restating unchanged options; those are left out on purpose.
    operations = [
        ops.CreateModel(
            name='Lease',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('holder', fields.CharField(max_length=64)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'leases', 'app': 'shop', 'pk_attr': 'name', 'table_description': 'Who does one singleton\'s work (`name`: "broadcaster", "reconciler", ...) and until when: the'},
            bases=['Model'],
        ),
        ops.RemoveField(model_name='Broadcast', name='lease_owner'),
        ops.RemoveField(model_name='Broadcast', name='lease_until'),
    ]
