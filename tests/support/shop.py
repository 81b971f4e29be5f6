"""A whole shop (every actor, the web server) talking to an in-process emulator, and its settings."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import trio

from actors.config import Settings, validate
from actors.shop import Running, run_shop
from storage import StorageSettings, Store
from storage.config import stock_key_path
from telegram.cryptopay.twin import CryptoPayTwin
from telegram.emulator import Emulator
from webui.sandbox import sandbox_pages

TOKEN = "123456:test-token"
OWNER_ID = 1


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
    web: dict[str, Any] | None = None,
    **telegram: Any,
) -> Settings:
    return validate(
        {
            "telegram": {"token": TOKEN, "owner_id": OWNER_ID, "api_base_url": "http://emulator", **telegram},
            "storage": {"database_url": database_url, **(storage or {})},
            "web": {"port": 0, **(web or {})},
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
    web: dict[str, Any] | None = None,
    sandbox_page: bool = False,
    **telegram: Any,
) -> AsyncIterator[RunningShop]:
    """The whole shop (every actor, the web server) talking to an in-process emulator; `shop`,
    `payments`, `storage` and `web` set those sections' keys, other keywords set [telegram] keys. With `cryptopay`, the
    shop takes CryptoPay payments through that twin (in process). With `sandbox_page`, its web app
    serves the sandbox's chat page over `emu` (and the twin), as `shopkeeper sandbox` does.

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
    settings = shop_settings(database_url, shop=shop, payments=payments, storage=storage, web=web, **telegram)
    async with trio.open_nursery() as nursery:
        running = await nursery.start(partial(
            run_shop, settings, transport=emu.transport(), stop=stop, handle_signals=False, prepare=prepare,
            cryptopay_transport=cryptopay.transport() if cryptopay is not None else None,
            sandbox_pages=sandbox_pages(emu, cryptopay, OWNER_ID) if sandbox_page else None,
        ))
        try:
            yield RunningShop(emu=emu, store=stores[0], running=running, stop=stop)
        finally:
            stop.set()
