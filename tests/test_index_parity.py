"""A database built by the migrations has the indexes the models declare, no more and no fewer, on
SQLite and on PostgreSQL (so the two have the same ones); running the last migration again changes
nothing; and on SQLite the screens that read one user's or one purchase's rows out of big tables read
them through an index, not the whole table.

SQLite lost indexes before: Tortoise alters or removes a column there by copying the table, and the copy
had none of the old table's indexes (ledger_entries after 0006, broadcasts after 0020).
"""

import logging
import uuid
from collections import Counter
from decimal import Decimal

import pytest
from tortoise import Tortoise
from tortoise.connection import get_connection
from tortoise.indexes import Index
from tortoise.models import Model

from storage import Delivered, StorageSettings, Store, open_store
from tests.support.orders import BUYER, OTHER, buy, register, unique_item

# (table, its columns in order, unique)
Key = tuple[str, tuple[str, ...], bool]

PG_INDEXES = """
SELECT t.relname AS "table", ix.indisunique AS "unique",
       ARRAY(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n)
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n) AS "columns"
FROM pg_index ix
JOIN pg_class t ON t.oid = ix.indrelid
JOIN pg_namespace s ON s.oid = t.relnamespace
WHERE s.nspname = current_schema() AND t.relname = ANY($1)
"""


def _columns(model: type[Model], names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Field names as columns (a foreign key's name stands for its `_id` column)."""
    meta = model._meta
    return tuple(meta.fields_map[name].source_field or meta.fields_db_projection[name] for name in names)


def declared(model: type[Model]) -> Counter[Key]:
    """What the model asks for: its primary key, unique fields and unique_together, db_index fields,
    and Meta.indexes. Foreign keys get no index of their own: Tortoise creates none on either backend."""
    meta = model._meta
    table = meta.db_table
    keys: Counter[Key] = Counter([(table, (meta.db_pk_column,), True)])
    for name, column in meta.fields_db_projection.items():
        field = meta.fields_map[name]
        if not field.pk and (field.unique or field.index):
            keys[(table, (column,), field.unique)] += 1
    keys.update((table, _columns(model, names), True) for names in meta.unique_together)
    keys.update(
        (table, _columns(model, index.fields if isinstance(index, Index) else index), False) for index in meta.indexes
    )
    return keys


async def in_database(store: Store, tables: list[str]) -> Counter[Key]:
    """The indexes the database has on `tables`, the primary keys included (SQLite keeps an INTEGER
    primary key as the rowid, with no index of its own: it counts as one here)."""

    async def read() -> Counter[Key]:
        connection = get_connection(store.backend)
        found: Counter[Key] = Counter()
        if store.backend == "postgres":
            for row in await connection.execute_query_dict(PG_INDEXES, [tables]):
                found[(row["table"], tuple(row["columns"]), row["unique"])] += 1
            return found
        for table in tables:
            info = await connection.execute_query_dict(f'PRAGMA table_info("{table}")')
            primary = tuple(row["name"] for row in sorted(info, key=lambda row: row["pk"]) if row["pk"])
            found[(table, primary, True)] += 1
            for index in await connection.execute_query_dict(f'PRAGMA index_list("{table}")'):
                if index["origin"] == "pk":
                    continue
                columns = await connection.execute_query_dict(f'PRAGMA index_info("{index["name"]}")')
                ordered = tuple(column["name"] for column in sorted(columns, key=lambda column: column["seqno"]))
                found[(table, ordered, bool(index["unique"]))] += 1
        return found

    return await store.cross(read)


async def indexes_against_models(store: Store) -> tuple[Counter[Key], Counter[Key]]:
    """(what the database has, what the models declare), over every model's table."""

    async def every_model() -> list[type[Model]]:
        return [model for app in Tortoise.apps.values() for model in app.values()]

    everything = await store.cross(every_model)
    wanted: Counter[Key] = Counter()
    for model in everything:
        wanted.update(declared(model))
    return await in_database(store, sorted(model._meta.db_table for model in everything)), wanted


async def test_a_migrated_database_has_the_indexes_the_models_declare(database_url: str) -> None:
    """Both backends equal the models, so SQLite and PostgreSQL have the same indexes."""
    async with open_store(StorageSettings(database_url=database_url)) as store:
        found, wanted = await indexes_against_models(store)
    missing, extra = wanted - found, found - wanted
    assert sorted(missing) == []
    assert sorted(extra) == []
    # The ones the SQLite copies had lost, and the one re-sending a purchase's units reads.
    assert {("ledger_entries", ("user_id", "id"), False), ("broadcasts", ("status",), False)} <= set(found)
    assert ("stock_units", ("purchase_id",), False) in found


async def test_the_index_migration_run_again_changes_nothing(database_url: str) -> None:
    """The executor records a migration as applied after its transaction: a crash between the two
    runs it again at the next start."""
    settings = StorageSettings(database_url=database_url)
    async with open_store(settings) as store:
        before, _ = await indexes_against_models(store)

        async def forget() -> None:
            await get_connection(store.backend).execute_script(
                "DELETE FROM tortoise_migrations WHERE app = 'shop' AND name = '0022_indexes'"
            )

        await store.cross(forget)
    async with open_store(settings) as store:
        after, _ = await indexes_against_models(store)
    assert after == before


async def plans(store: Store, caplog: pytest.LogCaptureFixture, table: str) -> list[str]:
    """SQLite's plan of each statement the store ran on `table` since `caplog` started, one line per step."""
    statements = [
        record.args for record in caplog.records if isinstance(record.args, tuple) and f'"{table}"' in str(record.args[0])
    ]
    assert statements, f"no statement on {table} was run"

    async def explain() -> list[str]:
        connection = get_connection(store.backend)
        return [
            row["detail"]
            for query, values in statements
            for row in await connection.execute_query_dict(f"EXPLAIN QUERY PLAN {query}", list(values or []))
        ]

    return await store.cross(explain)


async def test_a_balance_history_page_and_a_past_purchase_read_through_indexes_on_sqlite(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with open_store(StorageSettings(database_url=sqlite_url)) as store:
        for user_id in (BUYER, OTHER):
            await register(store, user_id)
            for n in range(12):
                await store.credit_user(user_id, Decimal("1.00"), reason=f"top-up {n}")
        item = await unique_item(store, 4)
        bought = await buy(store, item, "k1", quantity=2)
        assert isinstance(bought, Delivered)

        with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
            page = await store.ledger_page(BUYER, 2, 5)
        # Newest first: page 1 is the purchase and top-ups 11 to 8.
        assert [row.reason for row in page.rows] == [f"top-up {n}" for n in range(7, 2, -1)]
        ledger = await plans(store, caplog, "ledger_entries")
        caplog.clear()

        with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
            again = await store.purchase_of(BUYER, uuid.UUID(bought.purchase_id).hex)
        assert again is not None and again.units == bought.units
        units = await plans(store, caplog, "stock_units")

    # Each step on the table is an index search ("SEARCH t USING [COVERING] INDEX ..."), none a "SCAN t".
    for table, steps in (("ledger_entries", ledger), ("stock_units", units)):
        on_table = [step for step in steps if f" {table} " in f" {step} "]
        assert on_table and all(step.startswith("SEARCH") and " INDEX " in step for step in on_table), steps
