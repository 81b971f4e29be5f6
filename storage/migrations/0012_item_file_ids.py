from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('shop', '0011_payment_notices')]

    initial = False

    # Placeholder while issue 11's parts are built in parallel; filled (or removed) before it lands.
    operations = []
