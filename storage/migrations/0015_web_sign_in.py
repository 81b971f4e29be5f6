from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [('shop', '0014_order_screens')]

    initial = False

    # Signing in to the web app: one-time links and sessions, each kept as its token's hash.
    # makemigrations also proposes dropping and re-adding users.id and inbox_updates.id (it misreads
    # non-generated primary keys) and restating unchanged options; those are left out on purpose.
    operations = [
        ops.CreateModel(
            name='WebSession',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session_hash', fields.CharField(unique=True, max_length=64)),
                ('user', fields.ForeignKeyField('shop.User', source_field='user_id', db_constraint=True, to_field='id', related_name='web_sessions', on_delete=OnDelete.CASCADE)),
                ('csrf_token', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'web_sessions', 'app': 'shop', 'indexes': [Index(fields=['user_id'])], 'pk_attr': 'id', 'table_description': "A signed-in browser: the cookie's token hashed, whose it is, the token its forms carry"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebSignIn',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('user', fields.ForeignKeyField('shop.User', source_field='user_id', db_constraint=True, to_field='id', related_name='web_sign_ins', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'web_sign_ins', 'app': 'shop', 'pk_attr': 'id', 'table_description': 'A sign-in link for one staff member: redeemed once (`used_at` set), before `expires_at`.'},
            bases=['Model'],
        ),
    ]
