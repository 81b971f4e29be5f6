"""Shared fixtures: a database on each backend. Helpers the tests import are in tests/support.

Each test that needs PostgreSQL gets a database of its own, dropped afterwards (see tests/support/servers.py
for the servers and what happens when one is missing).
"""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import create_database, drop_database


@pytest.fixture
def postgres_url() -> Iterator[str]:
    name = f"shopkeeper_test_{uuid.uuid4().hex[:12]}"
    url = create_database(name)
    yield url
    drop_database(name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite://{tmp_path}/shop.db"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")
