from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index
from tortoise.migrations.operations import RunSQL


class Migration(migrations.Migration):
    dependencies = [('shop', '0021_inbox_owner')]

    initial = False

    # On SQLite, Tortoise alters or removes a column by copying the table into a new one, which it
    # creates without the table's indexes: ledger_entries (kind altered by 0002 and 0006) lost
    # (user_id, id), which every balance-history page reads, and broadcasts (columns removed by 0020)
    # lost (status). They are restored under the names PostgreSQL has them by, which already has them:
    # IF NOT EXISTS makes these statements no-ops there, and on a database that kept them.
    # stock_units gets (purchase_id), which re-sending a purchase's units reads. It is created with
    # IF NOT EXISTS too (the executor records a migration applied after its transaction, so a crash
    # between the two runs it again), and AlterModelOptions tells the migration state about it.
    # makemigrations also proposes dropping and re-adding users.id and inbox_updates.id (it misreads
    # non-generated primary keys), restating unchanged options, and the comment-only AlterField of
    # ledger_entries.kind that 0011 left out (on SQLite, one more copy of the ledger without its
    # index); those are left out on purpose.
    operations = [
        ops.RunSQL(
            [
                'CREATE INDEX IF NOT EXISTS "idx_ledger_entr_user_id_bc8069" ON "ledger_entries" ("user_id", "id")',
                'CREATE INDEX IF NOT EXISTS "idx_broadcasts_status_ac4f51" ON "broadcasts" ("status")',
            ],
            RunSQL.noop,
        ),
        ops.RunSQL(
            'CREATE INDEX IF NOT EXISTS "idx_stock_units_purchas_c31e94" ON "stock_units" ("purchase_id")',
            'DROP INDEX IF EXISTS "idx_stock_units_purchas_c31e94"',
        ),
        ops.AlterModelOptions(
            name='StockUnit',
            options={
                'table': 'stock_units', 'app': 'shop', 'pk_attr': 'id',
                'indexes': [
                    Index(fields=['item_id', 'sold', 'id']),
                    Index(fields=['item_id', 'fingerprint']),
                    Index(fields=['purchase_id']),
                ],
            },
        ),
    ]
