"""The schema history applies to an empty database, also when several processes start at once."""

import base64
import subprocess
import sys
from pathlib import Path

import pytest
import trio

from actors.config import ConfigError, validate
from storage import StorageSettings, open_store
from tests.support.shop import TOKEN


@pytest.mark.postgres
def test_processes_starting_together_migrate_one_postgres_database_once(blank_postgres_url: str) -> None:
    _migrate_at_once(blank_postgres_url)


def test_processes_starting_together_migrate_one_sqlite_database_once(tmp_path: Path) -> None:
    _migrate_at_once(f"sqlite://{tmp_path / 'shop.db'}")


@pytest.mark.postgres
async def test_two_stores_opened_at_once_on_a_blank_postgres_database_both_work(blank_postgres_url: str) -> None:
    """Two processes' start-up, in one: the second waits for the first's migration and finds it done."""
    opened: list[str] = []
    settings = StorageSettings(database_url=blank_postgres_url, stock_key=base64.b64encode(bytes(range(32))).decode())

    async def open_and_use(name: str, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        async with open_store(settings) as store:
            # The schema is whole: a use case that writes through several tables works.
            await store.add_category(f"Games {name}")
            opened.append(name)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(open_and_use, "a")
        nursery.start_soon(open_and_use, "b")
    assert sorted(opened) == ["a", "b"]
    async with open_store(settings) as store:
        assert sorted(c.name for c in await store.list_categories()) == ["Games a", "Games b"]


def _migrate_at_once(database_url: str) -> None:
    env = {"SHOPKEEPER_STORAGE_DATABASE_URL": database_url, "PATH": ""}
    command = [str(Path(sys.executable).parent / "shopkeeper"), "migrate"]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outcomes = [(run.wait(timeout=60), run.stderr.read()) for run in runs]
    assert [code for code, _ in outcomes] == [0, 0, 0, 0], [err for _, err in outcomes]
    assert all("up to date" in run.stdout.read() for run in runs)


def test_a_pool_too_small_to_migrate_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as error:
        validate({"telegram": {"token": TOKEN, "owner_id": 1}, "storage": {"pool_max": 1}})
    assert error.value.key == "storage.pool_max"
