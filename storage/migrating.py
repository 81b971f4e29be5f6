"""Migrating at start, when several processes may start together on one database.

On PostgreSQL they take turns under an advisory lock: the first migrates, the others then find
nothing to do. SQLite's write lock serializes each migration's own transaction, but not the
executor's look at which migrations are applied, taken before it: processes starting together on a
new file each saw none applied and each created the first tables ("table already exists"). So on
SQLite they take turns under an exclusive lock on a file beside the database (POSIX `flock`, released
by the system when a process dies).
"""

import asyncio
import fcntl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tortoise.connection import get_connection
from tortoise.migrations.executor import MigrationExecutor

# Any fixed 64-bit number, the same in every process of every version: the advisory lock's name.
MIGRATION_LOCK = 0x53484F504B454550  # "SHOPKEEP"


async def migrate(config: dict[str, Any], backend: str) -> None:
    """Bring the schema up to date, one process at a time (see the module docstring)."""
    client = get_connection(backend)
    if backend != "postgres":
        database = Path(config["connections"][backend]["credentials"]["file_path"])
        async with _file_lock(database.with_name(database.name + ".migrating")):
            await MigrationExecutor(client, config["apps"]).migrate()
        return
    async with client.acquire_connection() as connection:
        await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        try:
            await MigrationExecutor(client, config["apps"]).migrate()
        finally:
            await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)


@asynccontextmanager
async def _file_lock(path: Path) -> AsyncIterator[None]:
    with path.open("a") as handle:
        # Waiting for another process's migration blocks a thread, not the event loop.
        await asyncio.to_thread(fcntl.flock, handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
