"""The real servers the tests use: PostgreSQL (SHOPKEEPER_TEST_PG, default postgres://postgres@127.0.0.1:5432)
and Redis (SHOPKEEPER_TEST_REDIS, default redis://127.0.0.1:6379). Where a server is missing the test is
skipped with the reason, except under CI=true, where it fails."""

import asyncio
import os

import asyncpg
import pytest

PG_SERVER = os.environ.get("SHOPKEEPER_TEST_PG", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("SHOPKEEPER_TEST_REDIS", "redis://127.0.0.1:6379")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing_service(what: str, error: BaseException) -> None:
    message = f"{what} is not reachable ({type(error).__name__}: {error})"
    if IN_CI:
        pytest.fail(f"{message}; CI=true requires it")
    pytest.skip(message)


def create_database(name: str, template: str | None = None) -> str:
    """A new PostgreSQL database `name`, empty or a copy of `template` (the test skips when the server
    is missing); its URL."""
    copying = f' TEMPLATE "{template}"' if template else ""
    try:
        pg_admin(f'CREATE DATABASE "{name}"{copying}')
    except (OSError, asyncio.TimeoutError, asyncpg.PostgresError) as error:
        missing_service(f"PostgreSQL at {PG_SERVER}", error)
    return f"{PG_SERVER}/{name}"


def drop_database(name: str) -> None:
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_admin(sql: str, *, database: str = "postgres") -> None:
    """Run `sql` in `database` on its own connection, outside any trio run."""

    async def run() -> None:
        conn = await asyncpg.connect(f"{PG_SERVER}/{database}", timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())
