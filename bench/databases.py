"""PostgreSQL databases for the benches: is the server there, scratch databases, template databases.

`server` is a URL without a database name, postgres://user[:password]@host:port, as in
SHOPKEEPER_BENCH_PG (default postgres://postgres@127.0.0.1:5432). These are blocking calls, each on a
connection of its own to the server's maintenance database (`postgres`): call them outside trio, or
through `trio.to_thread.run_sync`.
"""

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg

SERVER = os.environ.get("SHOPKEEPER_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
CONNECT_TIMEOUT = 5


def database_url(server: str, name: str) -> str:
    return f"{server.rstrip('/')}/{name}"


def fetch(server: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    """The rows of one statement run on the server's maintenance database."""

    async def run() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(database_url(server, "postgres"), timeout=CONNECT_TIMEOUT)
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    return asyncio.run(run())


def unreachable(server: str) -> str | None:
    """None when the server answers; else why not, in a few words."""
    try:
        fetch(server, "SELECT 1")
    except (OSError, TimeoutError, asyncpg.PostgresError) as error:
        return f"{type(error).__name__}: {error}"
    return None


def exists(server: str, name: str) -> bool:
    return bool(fetch(server, "SELECT 1 FROM pg_database WHERE datname = $1", name))


def create(server: str, name: str, *, template: str | None = None) -> None:
    """CREATE DATABASE `name`, empty or as a copy of `template` (which nobody may be connected to)."""
    fetch(server, f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def drop(server: str, name: str) -> None:
    """Drop `name` if it exists, even when it is a template or someone is still connected to it."""
    if exists(server, name):
        fetch(server, f'ALTER DATABASE "{name}" IS_TEMPLATE false')
        fetch(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_template(server: str, name: str, template: str, comment: str) -> None:
    """Rename `name` to `template` and make it a template nobody connects to (so that it can always be
    cloned), described by `comment`."""
    fetch(server, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name)
    fetch(server, f'ALTER DATABASE "{name}" RENAME TO "{template}"')
    fetch(server, f'ALTER DATABASE "{template}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false')
    fetch(server, f"""COMMENT ON DATABASE "{template}" IS '{comment.replace("'", "''")}'""")


@contextmanager
def scratch(server: str, *, template: str | None = None, prefix: str = "shopkeeper_bench") -> Iterator[str]:
    """The URL of a new database (empty, or a copy of `template`) for the block; dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    create(server, name, template=template)
    try:
        yield database_url(server, name)
    finally:
        drop(server, name)
