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


def create_database(name: str) -> str:
    """A new PostgreSQL database `name` (the test skips when the server is missing); its URL."""
    try:
        _pg_admin(f'CREATE DATABASE "{name}"')
    except (OSError, asyncio.TimeoutError, asyncpg.PostgresError) as error:
        missing_service(f"PostgreSQL at {PG_SERVER}", error)
    return f"{PG_SERVER}/{name}"


def drop_database(name: str) -> None:
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_admin(sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(f"{PG_SERVER}/postgres", timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())
