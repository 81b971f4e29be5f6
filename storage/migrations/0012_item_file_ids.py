from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('shop', '0011_payment_notices')]

    initial = False

    # A file item's document is uploaded to Telegram once; the file_id of that upload is sent to the
    # buyers after. Items from before this migration have none: their next delivery uploads and keeps one.
    operations = [
        ops.AddField(
            model_name='Item',
            name='file_id',
            field=fields.CharField(null=True, max_length=512),
        ),
    ]
