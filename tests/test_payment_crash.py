"""A shop process killed between receiving a payment and crediting it credits it once after restart.

The shop runs as a real process (`shopkeeper run`) against the emulator on loopback. While the buyer
pays, the test holds the database so the payment cannot be written (SQLite: the write lock; PostgreSQL:
the payments table), waits until the process has the successful_payment in hand, and kills it with
SIGKILL. On PostgreSQL the update is then already in the process's inbox table; on SQLite it could not
even be stashed, so Telegram (which was never told it arrived) delivers it again. Either way the
restarted process credits it exactly once.
"""

import signal
import subprocess
from decimal import Decimal
from functools import partial
from pathlib import Path

import httpx
import trio

from storage import StorageSettings, open_store
from telegram.emulator import Emulator, serve_emulator
from tests.support.chat import press_when_shown
from tests.support.locks import WriteHold
from tests.support.processes import SHOPKEEPER, environment, free_port, stop, wait_healthy
from tests.support.shop import storage_section
from tests.support.waiting import eventually

TOKEN = "515151:crash-test-bot"


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
