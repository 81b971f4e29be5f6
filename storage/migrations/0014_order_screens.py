from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('shop', '0013_audit_repeats')]

    initial = False

    # An order paid with Stars from its confirmation screen buys with that screen's purchase key (the
    # Confirm's), so that the two routes buy it once, and its screen becomes the receipt. Orders from
    # before this migration have neither: they buy with a key of their own, as they did.
    operations = [
        ops.AddField(
            model_name='Payment',
            name='purchase_key',
            field=fields.CharField(null=True, max_length=128),
        ),
        ops.AddField(
            model_name='Payment',
            name='screen_id',
            field=fields.BigIntField(null=True),
        ),
    ]
