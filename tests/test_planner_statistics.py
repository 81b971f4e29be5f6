"""SQLite's query planner gets the statistics it picks indexes by (storage.planner): the housekeeper
analyzes every table at start, and each hour analyzes again what the shop used and SQLite finds stale.
On PostgreSQL, whose autovacuum keeps its own, the housekeeper's pass does nothing and fails nothing."""

from decimal import Decimal

import pytest
import trio
from tortoise.connection import get_connection

from actors.housekeeper import Housekeeper
from storage import StorageSettings, Store, open_store
from tests.support.orders import BUYER, OTHER, register


async def statistics(store: Store) -> dict[str, int]:
    """The number of rows the planner believes each analyzed table has."""

    async def read() -> dict[str, int]:
        connection = get_connection(store.backend)
        if not await connection.execute_query_dict("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"):
            return {}
        rows = await connection.execute_query_dict('SELECT "tbl", "stat" FROM sqlite_stat1')
        return {row["tbl"]: int(row["stat"].split()[0]) for row in rows}

    return await store.cross(read)


async def shop_with_history(store: Store) -> None:
    for user_id in (BUYER, OTHER):
        await register(store, user_id)
        for n in range(10):
            await store.credit_user(user_id, Decimal("1.00"), reason=f"top-up {n}")


async def test_the_housekeeper_analyzes_every_table_at_start(sqlite_url: str) -> None:
    async with open_store(StorageSettings(database_url=sqlite_url)) as store:
        await shop_with_history(store)
        assert "ledger_entries" not in await statistics(store)
        seen: dict[str, int] = {}
        async with trio.open_nursery() as nursery:
            await nursery.start(Housekeeper(store, 0).run)

            async def analyzed() -> None:
                while "ledger_entries" not in seen:
                    seen.update(await statistics(store))
                    await trio.sleep(0.01)

            with trio.fail_after(5):
                await analyzed()
            nursery.cancel_scope.cancel()
    assert (seen["users"], seen["ledger_entries"]) == (2, 20)


async def test_the_hourly_pass_analyzes_the_tables_the_shop_used(sqlite_url: str) -> None:
    async with open_store(StorageSettings(database_url=sqlite_url)) as store:
        await shop_with_history(store)
        await store.ledger_page(BUYER, 1, 5)
        assert "ledger_entries" not in await statistics(store)
        await store.refresh_statistics()
        assert (await statistics(store))["ledger_entries"] == 20


@pytest.mark.postgres
async def test_a_pass_on_postgres_changes_nothing_a_user_sees(postgres_url: str) -> None:
    async with open_store(StorageSettings(database_url=postgres_url)) as store:
        await shop_with_history(store)
        await store.refresh_statistics(everything=True)
        await store.refresh_statistics()
        assert len((await store.ledger_page(BUYER, 1, 100)).rows) == 10
