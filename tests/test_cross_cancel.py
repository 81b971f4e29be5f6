"""A trio task cancelled while its crossing is inside a transaction must leave the store usable: the
use case finishes (or rolls back) on the asyncio side, and the next crossing answers."""

import asyncio

import trio
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from storage import StorageSettings, open_store
from storage.crossing import CANCELLED_CROSSING_SECONDS


async def _slow_transaction(connection_name: str) -> None:
    async with in_transaction(connection_name) as connection:
        await connection.execute_query("SELECT 1")
        await asyncio.sleep(0.002)
        await connection.execute_query("SELECT 2")


async def _ping(connection_name: str) -> int:
    _, rows = await get_connection(connection_name).execute_query("SELECT 1")
    return len(rows)


async def test_a_cancelled_crossing_leaves_the_store_usable(database_url: str) -> None:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        # From before BEGIN returns (SQLite's transaction holds Tortoise's connection lock from its
        # start: a cancel there used to leave it held for ever) to past the commit, in 25 µs steps.
        for step in range(400):
            with trio.CancelScope() as scope:
                scope.deadline = trio.current_time() + step * 0.000_025
                await store.cross(_slow_transaction, store.backend)
            with trio.fail_after(5):
                assert await store.cross(_ping, store.backend) == 1


async def _never_ends() -> None:
    await asyncio.Event().wait()


async def test_a_cancelled_crossing_that_never_ends_is_given_up_after_the_bound(sqlite_url: str) -> None:
    async with open_store(StorageSettings(database_url=sqlite_url)) as store:
        started = trio.current_time()
        with trio.move_on_after(0.1):
            await store.cross(_never_ends)
        waited = trio.current_time() - started
        assert CANCELLED_CROSSING_SECONDS <= waited < CANCELLED_CROSSING_SECONDS + 5
        with trio.fail_after(5):
            assert await store.cross(_ping, store.backend) == 1
