"""Migrated, empty databases for the tests to copy: running the schema history takes about a second of
CPU per database (Tortoise renders every migration's model state), and most tests want a fresh database.

A template is made once per test session by opening a store on it (which migrates it), then forgetting
what opening wrote besides the schema (the stock key it bound, the mark that clear data was sealed), so a
copy is what a first start on an empty database would find after migrating. Tests of migrating itself
take a blank database instead (the `blank_*_url` fixtures)."""

import shutil
import sqlite3
from pathlib import Path

import trio

from storage import StorageSettings, open_store
from tests.support.servers import pg_admin

# What opening a store writes besides the schema (storage.vault): a copy starts without them, as a new database would.
OPENING_ROWS = "DELETE FROM settings WHERE key IN ('stock_key_check', 'clear_data_sealed')"


def _migrate(database_url: str, stock_key_file: Path) -> None:
    async def run() -> None:
        async with open_store(StorageSettings(database_url=database_url, stock_key_file=str(stock_key_file))):
            pass

    trio.run(run)


def make_sqlite_template(directory: Path) -> Path:
    path = directory / "template.db"
    _migrate(f"sqlite://{path}", directory / "template.key")
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute(OPENING_ROWS)
        connection.execute("DELETE FROM sqlite_sequence WHERE name = 'settings'")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return path


def copy_sqlite_template(template: Path, directory: Path) -> str:
    target = directory / "shop.db"
    shutil.copyfile(template, target)
    return f"sqlite://{target}"


def make_postgres_template(name: str, url: str, directory: Path) -> None:
    """Migrate the database `name` at `url` and leave it with no connection, ready to be a template."""
    _migrate(url, directory / "template.key")
    pg_admin(OPENING_ROWS, database=name)
