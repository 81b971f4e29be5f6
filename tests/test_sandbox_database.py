"""A sandbox and a real shop never share a database: the sandbox keeps its own (see test_processes
for `make run`'s), marks the one it runs on, and refuses a real shop's; a real shop, and `migrate`,
refuse a sandbox's with one line saying why and what to do."""

import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
import trio

from actors.config import ConfigError
from actors.shop import run_shop
from storage import StorageSettings, open_store
from telegram.emulator import Emulator
from tests.support.shop import OWNER_ID, TOKEN, shop_settings, storage_section

SHOPKEEPER = str(Path(sys.executable).parent / "shopkeeper")


def shopkeeper(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHOPKEEPER_")}
    return subprocess.run([SHOPKEEPER, *args], cwd=cwd, capture_output=True, text=True, timeout=60, env={**clean, **env})


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


async def test_a_real_shop_never_starts_on_a_sandbox_database(database_url: str, tmp_path: Path) -> None:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        assert not await store.is_sandbox()
        # What the sandbox does when it takes an empty database: it marks it (and then seeds it).
        assert await store.claim_sandbox() and await store.claim_sandbox()
        assert await store.is_sandbox()
        await store.register_user(1001, username=None, first_name="Ann", language_code=None, owner_id=OWNER_ID)
        await store.register_user(OWNER_ID, username=None, first_name="Sandbox owner", language_code=None, owner_id=OWNER_ID)

    emu = Emulator()
    emu.create_bot(token=TOKEN, username="shop_bot")
    settings = shop_settings(database_url, owner_id=42)
    with pytest.raises(ConfigError, match=r"^config error: storage\.database_url: .* is a sandbox's database"):
        await run_shop(settings, transport=emu.transport(), stop=trio.Event(), handle_signals=False)
    assert emu.calls == []  # refused before it spoke to Telegram
    async with open_store(StorageSettings(database_url=database_url)) as store:
        # ... and before it wrote anything: its owner did not take the sandbox's owner's place.
        assert (await store.get_user(OWNER_ID)).role == "owner"
        assert (await store.audit_page(1, 10, security_only=False)).total == 0

    # The command line says so in one line and exits 2, for `run` and for `migrate` (which readies a
    # database for `run`); operator commands still work on it (they are how one drives the sandbox).
    config = tmp_path / "shop.toml"
    config.write_text(f'[telegram]\ntoken = "{TOKEN}"\nowner_id = {OWNER_ID}\napi_base_url = "http://127.0.0.1:9"\n'
                      + storage_section(database_url))
    for command in ("run", "migrate"):
        refused = shopkeeper("--config", str(config), command, cwd=tmp_path)
        line = one_line(refused)
        assert refused.returncode == 2 and line.startswith("config error: storage.database_url: "), line
        assert "sandbox's database" in line and "set storage.database_url to your shop's own database" in line
        assert "Traceback" not in refused.stderr
    credited = shopkeeper("--config", str(config), "user", "credit", "1001", "5", cwd=tmp_path)
    assert credited.returncode == 0 and "balance is now 5.00" in credited.stdout, credited.stderr


async def test_the_sandbox_takes_an_empty_database_and_refuses_a_real_shops(database_url: str, tmp_path: Path) -> None:
    settings = StorageSettings(database_url=database_url)
    async with open_store(settings) as store:
        await store.register_user(1001, username=None, first_name="Ann", language_code=None, owner_id=42)
        await store.register_user(42, username=None, first_name="Real owner", language_code=None, owner_id=42)
        # A real shop's data (users who started the bot): the sandbox leaves it alone, unmarked.
        assert not await store.claim_sandbox()
        assert not await store.is_sandbox()

    config = tmp_path / "real.toml"
    config.write_text(storage_section(database_url))
    refused = shopkeeper("--config", str(config), "sandbox", "--emulator-port", "0", "--cryptopay-port", "0",
                         cwd=tmp_path, SHOPKEEPER_WEB_PORT="0")
    # Its emulator had said where it listens; then the error, in one line, and no traceback.
    line = refused.stderr.strip().splitlines()[-1]
    assert refused.returncode == 2 and line.startswith("config error: storage.database_url: "), refused.stderr
    assert "holds a real shop's data and the sandbox never runs on it" in line and "Traceback" not in refused.stderr
    async with open_store(settings) as store:
        assert not await store.is_sandbox()
        assert await store.list_categories() == []  # nothing seeded
        assert (await store.get_user(42)).role == "owner"  # the sandbox's owner (user 1) did not take over

    # A real shop still runs on it.
    emu = Emulator()
    emu.create_bot(token=TOKEN, username="shop_bot")
    stop = trio.Event()
    async with trio.open_nursery() as nursery:
        await nursery.start(partial(run_shop, shop_settings(database_url, owner_id=42), transport=emu.transport(),
                                    stop=stop, handle_signals=False))
        stop.set()
