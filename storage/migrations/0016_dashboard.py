from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [('shop', '0015_web_sign_in')]

    initial = False

    # The web dashboard: the funnel's first-time milestones per user, registrations by date, and the
    # purchases' date index widened to cover what the figures read.
    # makemigrations also proposes dropping and re-adding users.id and inbox_updates.id (it misreads
    # non-generated primary keys) and restating unchanged options; those are left out on purpose.
    operations = [
        ops.CreateModel(
            name='UserMilestone',
            fields=[
                ('user_id', fields.BigIntField(generated=False, primary_key=True, unique=True, db_index=True)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('opened_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('confirmed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'user_milestones', 'app': 'shop', 'indexes': [Index(fields=['started_at'])], 'pk_attr': 'user_id', 'table_description': 'When a user first opened an item, first confirmed a purchase (or asked for its invoice), and'},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='User',
            index=Index(fields=['created_at']),
        ),
        # The sales of a window read from the index alone; it serves what (created_at) served.
        ops.RemoveIndex(
            model_name='Purchase',
            name=None,
            fields=['created_at'],
        ),
        ops.AddIndex(
            model_name='Purchase',
            index=Index(fields=['created_at', 'revoked_at', 'item_id', 'user_id', 'quantity', 'total']),
        ),
    ]
