from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('shop', '0012_item_file_ids')]

    initial = False

    # One source's repeats of a security event within a minute are one row with a count.
    operations = [
        ops.AddField(
            model_name='AuditEvent',
            name='count',
            field=fields.IntField(default=1, db_default=1),
        ),
    ]
