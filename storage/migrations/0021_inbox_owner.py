from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [('shop', '0020_leases')]

    initial = False

    # Each inbox row names the process that handles it, so a starting process replays only the rows
    # of processes gone (storage.inbox.adopt_updates), not those a live process has in hand.
    # makemigrations also proposes dropping and re-adding users.id and inbox_updates.id (it misreads
    # non-generated primary keys) and restating unchanged options; those are left out on purpose.
    operations = [
        ops.AddField(
            model_name='InboxUpdate',
            name='owner',
            field=fields.CharField(null=True, max_length=64),
        ),
    ]
