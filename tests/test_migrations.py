"""The schema history applies to an empty database, also when several processes start at once."""

import subprocess
import sys
from pathlib import Path

import pytest

from actors.config import ConfigError, validate
from tests.support.shop import TOKEN


@pytest.mark.postgres
def test_processes_starting_together_migrate_one_postgres_database_once(blank_postgres_url: str) -> None:
    env = {"SHOPKEEPER_STORAGE_DATABASE_URL": blank_postgres_url, "PATH": ""}
    command = [str(Path(sys.executable).parent / "shopkeeper"), "migrate"]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outcomes = [(run.wait(timeout=60), run.stderr.read()) for run in runs]
    assert [code for code, _ in outcomes] == [0, 0, 0, 0], [err for _, err in outcomes]
    assert all("up to date" in run.stdout.read() for run in runs)


def test_a_pool_too_small_to_migrate_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as error:
        validate({"telegram": {"token": TOKEN, "owner_id": 1}, "storage": {"pool_max": 1}})
    assert error.value.key == "storage.pool_max"
