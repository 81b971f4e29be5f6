"""Holding the database's write lock from outside the shop, as another writer would: what a test
needs to make the shop meet a busy database."""

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import trio


class WriteHold:
    """While held, nobody else can write to `table` (reads go on): SQLite's write lock (every table),
    or PostgreSQL's `table` locked in EXCLUSIVE mode. Taken and released from a worker thread."""

    def __init__(self, nursery: trio.Nursery, database_url: str, table: str = "payments") -> None:
        self.nursery = nursery
        self.database_url = database_url
        self.table = table
        self.held = threading.Event()
        self.released = threading.Event()

    async def take(self) -> None:
        hold = self._hold_sqlite if self.database_url.startswith("sqlite") else self._hold_postgres
        self.nursery.start_soon(trio.to_thread.run_sync, hold)
        await trio.to_thread.run_sync(self.held.wait)

    def release(self) -> None:
        self.released.set()

    def _hold_sqlite(self) -> None:
        connection = sqlite3.connect(self.database_url.removeprefix("sqlite://"), isolation_level=None, timeout=30)
        connection.execute("BEGIN IMMEDIATE")
        self.held.set()
        self.released.wait()
        connection.execute("ROLLBACK")
        connection.close()

    def _hold_postgres(self) -> None:
        async def hold() -> None:
            connection = await asyncpg.connect(self.database_url)
            async with connection.transaction():
                await connection.execute(f"LOCK TABLE {self.table} IN EXCLUSIVE MODE")
                self.held.set()
                await asyncio.get_running_loop().run_in_executor(None, self.released.wait)
            await connection.close()

        asyncio.run(hold())


@asynccontextmanager
async def writes_held(database_url: str, table: str) -> AsyncIterator[None]:
    """While inside, nobody else can write to `table` (see WriteHold)."""
    async with trio.open_nursery() as nursery:
        hold = WriteHold(nursery, database_url, table)
        await hold.take()
        try:
            yield
        finally:
            hold.release()
