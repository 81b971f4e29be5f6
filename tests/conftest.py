"""Shared fixtures: databases on both backends, a running shop wired to the emulator.

PostgreSQL (SHOPKEEPER_TEST_PG, default postgres://postgres@127.0.0.1:5432) and Redis
(SHOPKEEPER_TEST_REDIS, default redis://127.0.0.1:6379) are real servers. Each test that needs
PostgreSQL gets a database of its own, dropped afterwards. Where a server is missing the test is
skipped with the reason, except under CI=true, where it fails.
"""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import asyncpg
import pytest
import trio

from actors.config import Settings, validate
from actors.shop import Running, run_shop
from storage import StorageSettings, Store
from storage.config import stock_key_path
from telegram.cryptopay.twin import CryptoPayTwin
from telegram.emulator import Emulator

PG_SERVER = os.environ.get("SHOPKEEPER_TEST_PG", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("SHOPKEEPER_TEST_REDIS", "redis://127.0.0.1:6379")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TOKEN = "123456:test-token"
OWNER_ID = 1


def missing_service(what: str, error: BaseException) -> None:
    message = f"{what} is not reachable ({type(error).__name__}: {error})"
    if IN_CI:
        pytest.fail(f"{message}; CI=true requires it")
    pytest.skip(message)


def _pg_admin(sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(f"{PG_SERVER}/postgres", timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.fixture
def postgres_url() -> Iterator[str]:
    name = f"shopkeeper_test_{uuid.uuid4().hex[:12]}"
    try:
        _pg_admin(f'CREATE DATABASE "{name}"')
    except (OSError, asyncio.TimeoutError, asyncpg.PostgresError) as error:
        missing_service(f"PostgreSQL at {PG_SERVER}", error)
    yield f"{PG_SERVER}/{name}"
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Any) -> str:
    return f"sqlite://{tmp_path}/shop.db"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


def storage_section(database_url: str) -> str:
    """The [storage] section of a config file for another process on this test's database: the same
    stock key file as the test's own store (the default's place depends on the working directory)."""
    key_file = stock_key_path(StorageSettings(database_url=database_url)).resolve()
    return f'[storage]\ndatabase_url = "{database_url}"\nstock_key_file = "{key_file}"\n'


def shop_settings(
    database_url: str,
    *,
    shop: dict[str, Any] | None = None,
    payments: dict[str, Any] | None = None,
    storage: dict[str, Any] | None = None,
    **telegram: Any,
) -> Settings:
    return validate(
        {
            "telegram": {"token": TOKEN, "owner_id": OWNER_ID, "api_base_url": "http://emulator", **telegram},
            "storage": {"database_url": database_url, **(storage or {})},
            "web": {"port": 0},
            "shop": shop or {},
            "payments": payments or {},
        }
    )


@dataclass
class RunningShop:
    emu: Emulator
    store: Store
    running: Running
    stop: trio.Event


@asynccontextmanager
async def open_shop(
    database_url: str,
    emu: Emulator | None = None,
    *,
    shop: dict[str, Any] | None = None,
    payments: dict[str, Any] | None = None,
    cryptopay: CryptoPayTwin | None = None,
    storage: dict[str, Any] | None = None,
    **telegram: Any,
) -> AsyncIterator[RunningShop]:
    """The whole shop (every actor, the web server) talking to an in-process emulator; `shop`,
    `payments` and `storage` set those sections' keys, other keywords set [telegram] keys. With `cryptopay`, the
    shop takes CryptoPay payments through that twin (in process).

    Replies to one chat are not paced at Telegram's 1/s here unless a test asks (`chat_rate=...`):
    the pacing has tests of its own (tests/client/test_flood.py, test_intake.py), and at 1/s every
    screen a test walks through would cost a second of waiting."""
    if emu is None:
        emu = Emulator()
        emu.create_bot(token=TOKEN, username="shop_bot", first_name="Shop")
    stores: list[Store] = []

    async def prepare(store: Store) -> None:
        stores.append(store)

    stop = trio.Event()
    payments = dict(payments or {})
    if cryptopay is not None:
        payments.setdefault("cryptopay_token", cryptopay.token)
        payments.setdefault("cryptopay_url", "http://cryptopay")
    telegram = {"chat_rate": 100.0, "chat_burst": 100, **telegram}
    settings = shop_settings(database_url, shop=shop, payments=payments, storage=storage, **telegram)
    async with trio.open_nursery() as nursery:
        running = await nursery.start(partial(
            run_shop, settings, transport=emu.transport(), stop=stop, handle_signals=False, prepare=prepare,
            cryptopay_transport=cryptopay.transport() if cryptopay is not None else None,
        ))
        try:
            yield RunningShop(emu=emu, store=stores[0], running=running, stop=stop)
        finally:
            stop.set()
