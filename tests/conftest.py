"""Shared fixtures: a database on each backend, and the key-value store on each of its own. Helpers
the tests import are in tests/support.

Each test gets a database of its own, a copy of a migrated empty one made once per session (see
tests/support/templates.py); a PostgreSQL one is dropped afterwards (see tests/support/servers.py for the
servers and what happens when one is missing). Tests of migrating itself ask for a blank database.
"""

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from storage import KeyValue, StorageSettings, StorageUnavailable, open_store
from tests.support.servers import REDIS_URL, create_database, drop_database, missing_service
from tests.support.templates import copy_sqlite_template, make_postgres_template, make_sqlite_template


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    name = f"shopkeeper_template_{uuid.uuid4().hex[:12]}"
    url = create_database(name)
    try:
        make_postgres_template(name, url, tmp_path_factory.mktemp("postgres-template"))
        yield name
    finally:
        drop_database(name)


@pytest.fixture
def blank_postgres_url() -> Iterator[str]:
    """An empty PostgreSQL database, not even migrated."""
    name = f"shopkeeper_test_{uuid.uuid4().hex[:12]}"
    url = create_database(name)
    yield url
    drop_database(name)


@pytest.fixture
def postgres_url(postgres_template: str) -> Iterator[str]:
    name = f"shopkeeper_test_{uuid.uuid4().hex[:12]}"
    url = create_database(name, template=postgres_template)
    yield url
    drop_database(name)


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    return copy_sqlite_template(sqlite_template, tmp_path)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def kv(request: pytest.FixtureRequest, sqlite_url: str) -> AsyncIterator[KeyValue]:
    """The key-value store, in process and on Redis."""
    settings = StorageSettings(database_url=sqlite_url, redis_url=REDIS_URL if request.param == "redis" else "")
    try:
        async with open_store(settings) as store:
            assert store.kv.backend == request.param
            yield store.kv
    except StorageUnavailable as error:
        missing_service(f"Redis at {REDIS_URL}", error)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")
