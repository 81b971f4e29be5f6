from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('shop', '0012_item_file_ids')]

    initial = False

    # Placeholder while issue 11's parts are built in parallel; filled (or removed) before it lands.
    operations = []
