"""A shop process killed between receiving a payment and crediting it credits it once after restart.

The shop runs as a real process (`shopkeeper run`) against the emulator on loopback. While the buyer
pays, the test holds the database so the payment cannot be written (SQLite: the write lock; PostgreSQL:
the payments table), waits until the process has the successful_payment in hand, and kills it with
SIGKILL. On PostgreSQL the update is then already in the process's inbox table; on SQLite it could not
even be stashed, so Telegram (which was never told it arrived) delivers it again. Either way the
restarted process credits it exactly once.
"""

import asyncio
import signal
import sqlite3
import subprocess
import threading
from decimal import Decimal
from functools import partial
from pathlib import Path

import asyncpg
import httpx
import trio

from storage import StorageSettings, open_store
from telegram.emulator import Emulator, serve_emulator
from tests.support.chat import press_when_shown
from tests.support.processes import SHOPKEEPER, environment, free_port, stop, wait_healthy
from tests.support.shop import storage_section
from tests.support.waiting import eventually

TOKEN = "515151:crash-test-bot"


class WriteHold:
    """While held, nobody else can write a payment (reads go on): SQLite's write lock, or PostgreSQL's
    payments table locked in EXCLUSIVE mode. Taken and released from a worker thread."""

    def __init__(self, nursery: trio.Nursery, database_url: str) -> None:
        self.nursery = nursery
        self.database_url = database_url
        self.held = threading.Event()
        self.released = threading.Event()

    async def take(self) -> None:
        hold = self._hold_sqlite if self.database_url.startswith("sqlite") else self._hold_postgres
        self.nursery.start_soon(trio.to_thread.run_sync, hold)
        await trio.to_thread.run_sync(self.held.wait)

    def release(self) -> None:
        self.released.set()

    def _hold_sqlite(self) -> None:
        connection = sqlite3.connect(self.database_url.removeprefix("sqlite://"), isolation_level=None, timeout=30)
        connection.execute("BEGIN IMMEDIATE")
        self.held.set()
        self.released.wait()
        connection.execute("ROLLBACK")
        connection.close()

    def _hold_postgres(self) -> None:
        async def hold() -> None:
            connection = await asyncpg.connect(self.database_url)
            async with connection.transaction():
                await connection.execute("LOCK TABLE payments IN EXCLUSIVE MODE")
                self.held.set()
                await asyncio.get_running_loop().run_in_executor(None, self.released.wait)
            await connection.close()

        asyncio.run(hold())


async def test_a_payment_in_hand_at_a_kill_is_credited_once_after_restart(database_url: str, tmp_path: Path) -> None:
    emu = Emulator()
    bot = emu.create_bot(token=TOKEN, username="crash_shop_bot")
    web = free_port()
    config = tmp_path / "shop.toml"
    ann = emu.user(1001, first_name="Ann")
    async with trio.open_nursery() as nursery:
        port = await nursery.start(serve_emulator, emu, "127.0.0.1", 0)
        config.write_text(
            f'[telegram]\ntoken = "{TOKEN}"\nowner_id = 1\napi_base_url = "http://127.0.0.1:{port}"\npoll_timeout = 2\n'
            f'{storage_section(database_url)}[web]\nport = {web}\n'
        )
        start = partial(
            subprocess.Popen, [SHOPKEEPER, "--config", str(config), "run"], cwd=tmp_path,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment(),
        )
        process = start()
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                await wait_healthy(client, f"http://127.0.0.1:{web}/health", 30)
            await ann.send_text("/start")
            for label in ("👤 Profile", "💳 Top up", "10.00 USD", "⭐ Telegram Stars (500 ⭐)"):
                await press_when_shown(ann, label)
            await ann.wait_for(lambda m: "invoice" in m, timeout=10)

            # The bot accepted the pre-checkout query; before the charge, the database is held.
            hold = WriteHold(nursery, database_url)
            try:
                outcome = await ann.pay(before_charge=hold.take)
                assert outcome.status == "paid" and outcome.update_id is not None
                await eventually(lambda: bot.queue.deliveries.get(outcome.update_id, 0) > 0, 10, "the payment fetched")
                process.send_signal(signal.SIGKILL)
                await trio.to_thread.run_sync(process.wait)
            finally:
                hold.release()
            assert ann.stars == 10_000 - 500
            assert not any("Payment received" in (m.get("text") or "") for m in ann.bot_messages())

            process = start()
            await ann.wait_for_text("Payment received: 10.00 USD", timeout=20)
        finally:
            if process.poll() is None:
                await stop(process)
            nursery.cancel_scope.cancel()

    async with open_store(StorageSettings(database_url=database_url)) as store:
        user = await store.get_user(1001)
        assert user is not None and user.balance == Decimal("10.00")
        ledger = await store.ledger_page(1001, 1, 10)
        assert [(row.kind, row.amount) for row in ledger.rows] == [("topup", Decimal("10.00"))]
        assert await store.check_ledger() == []
    assert sum("Payment received" in (m.get("text") or "") for m in ann.bot_messages()) == 1
