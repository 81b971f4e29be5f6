from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('shop', '0010_inbox_state')]

    initial = False

    # Placeholder while issue 11's parts are built in parallel; filled (or removed) before it lands.
    operations = []
