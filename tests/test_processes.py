"""The shop as a real process: `shopkeeper sandbox` (what `make run` starts) and `shopkeeper run`
against a Bot API server in another process, reached only through api_base_url and the token."""

import os
import subprocess
from pathlib import Path

import httpx
import trio

from storage import StorageSettings, open_store
from telegram.emulator import Emulator, serve_emulator
from tests.support.processes import SHOPKEEPER, environment, free_port, stop, wait_healthy
from tests.support.waiting import eventually, until_handled


async def test_sandbox_is_healthy_within_30_seconds_and_sells(tmp_path: Path) -> None:
    web, emulator, cryptopay = free_port(), free_port(), free_port()
    process = subprocess.Popen(
        [SHOPKEEPER, "sandbox", "--emulator-port", str(emulator), "--cryptopay-port", str(cryptopay)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=environment(SHOPKEEPER_WEB_PORT=str(web), SHOPKEEPER_WEB_METRICS_TOKEN="scrape"),
    )
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            health = await wait_healthy(client, f"http://127.0.0.1:{web}/health", 30)
            assert health["components"]["database"]["ok"] and health["components"]["bot_api"]["ok"]
            metrics = await client.get(f"http://127.0.0.1:{web}/metrics/prometheus", headers={"Authorization": "Bearer scrape"})
            assert "shopkeeper_updates_total" in metrics.text
            base = f"http://127.0.0.1:{emulator}/_emulator"
            await client.post(f"{base}/users/1001/send", json={"text": "/start", "first_name": "Ann"})

            async def transcript() -> list[dict]:
                return (await client.get(f"{base}/chats/1001/transcript")).json()

            async def shows(text: str) -> None:
                with trio.fail_after(10):
                    while not any(text in (m.get("text") or "") for m in await transcript()):
                        await trio.sleep(0.1)

            await shows("Welcome")
            await client.post(f"{base}/users/1001/press", json={"label": "🛍 Shop"})
            await shows("Choose a category")
            labels = [b["text"] for m in await transcript() for row in (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
            assert "Game keys (2)" in labels
            assert any(label.startswith("Guides") for label in labels)
            refused = await client.post(f"{base}/users/1001/press", json={"label": "No such button"})
            assert refused.status_code == 404
            await client.post(f"{base}/users/1001/send", json={"text": "/redeem gift5"})
            await shows("+5.00 USD")

            # Every payment method, driven as the printed instructions say: Stars through the emulator's
            # pay, CryptoPay through the twin's test API and its signed webhook to the shop.
            async def top_up(method: str) -> None:
                await client.post(f"{base}/users/1001/send", json={"text": "/start"})
                await shows("Welcome")
                for label in ("👤 Profile", "💳 Top up", "10.00 USD", method):
                    await client.post(f"{base}/users/1001/press", json={"label": label})
                    await trio.sleep(0.3)

            await top_up("⭐ Telegram Stars (500 ⭐)")
            paid = (await client.post(f"{base}/users/1001/pay", json={})).json()
            assert paid["status"] == "paid", paid
            await shows("Payment received: 10.00 USD")
            await top_up("🪙 Crypto via CryptoPay (10.00 USD)")
            twin = f"http://127.0.0.1:{cryptopay}/_twin/invoices"
            with trio.fail_after(10):
                while not (invoices := (await client.get(twin)).json()):
                    await trio.sleep(0.1)
            invoice_id = invoices[0]["invoice_id"]
            assert (await client.post(f"{twin}/{invoice_id}/pay")).status_code == 200
            assert (await client.post(f"{twin}/{invoice_id}/webhook")).json()["status"] == 200
            await shows("Balance: 25.00 USD")
    finally:
        out, _ = await stop(process)
    assert "Chat with the bot as user 1001" in out and "GIFT5" in out
    # The sandbox kept its own database; the real shop's default one was never touched.
    assert (tmp_path / "data" / "sandbox" / "sandbox.db").exists() and not (tmp_path / "data" / "shop.db").exists()

    def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([SHOPKEEPER, *args], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                              env=environment(**env))

    # After `make run`, a real shop on the default database has none of the demo (its GIFT5 is public).
    assert cli("promo", "list").stdout == "no promo codes yet\n"
    # Pointed at the sandbox's database, a real shop refuses to start, in one line saying why.
    refused = cli("run", SHOPKEEPER_TELEGRAM_TOKEN="424242:real-bot", SHOPKEEPER_TELEGRAM_OWNER_ID="1",
                  SHOPKEEPER_STORAGE_DATABASE_URL="sqlite://data/sandbox/sandbox.db")
    assert refused.returncode == 2 and refused.stderr.strip().splitlines() == [
        "config error: storage.database_url: sqlite://data/sandbox/sandbox.db is a sandbox's database (demo goods with "
        "fake keys, public promo codes, emulated payments) and a real shop never runs on it: set storage.database_url "
        "to your shop's own database"
    ]
    # The operator command the sandbox printed acts on the sandbox's database.
    [credit] = [line.strip() for line in out.splitlines() if "user credit 1001 50" in line]
    done = subprocess.run(credit, shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env=environment(PATH=f"{Path(SHOPKEEPER).parent}:{os.environ.get('PATH', '')}"))
    assert "credited 50.00 to user 1001; balance is now 75.00" in done.stdout, done.stderr


async def test_run_against_a_bot_api_server_in_another_process_sells_the_last_unit_once(tmp_path: Path) -> None:
    emu = Emulator()
    token = "424242:any-bot-api-server"
    emu.create_bot(token=token, username="remote_shop_bot")
    web = free_port()
    config = tmp_path / "shop.toml"
    async with trio.open_nursery() as nursery:
        port = await nursery.start(serve_emulator, emu, "127.0.0.1", 0)
        config.write_text(
            f'[telegram]\ntoken = "{token}"\nowner_id = 1\napi_base_url = "http://127.0.0.1:{port}"\npoll_timeout = 5\n'
            f'[storage]\ndatabase_url = "sqlite://{tmp_path}/shop.db"\n[web]\nport = {web}\n'
        )

        def cli(*args: str, stdin: str = "") -> None:
            done = subprocess.run([SHOPKEEPER, "--config", str(config), *args], input=stdin, capture_output=True,
                                  text=True, timeout=60, env=environment())
            assert done.returncode == 0, done.stderr

        process = subprocess.Popen([SHOPKEEPER, "--config", str(config), "run"], cwd=tmp_path, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=environment())
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                await wait_healthy(client, f"http://127.0.0.1:{web}/health", 30)
            ann, bob = emu.user(1001, first_name="Ann"), emu.user(1002, first_name="Bob")
            for user in (ann, bob):
                await user.send_text("/start")
                await user.wait_for_text("Welcome", timeout=10)
            # Operator commands work while the bot runs, on the same database.
            await trio.to_thread.run_sync(cli, "catalog", "add-category", "Keys")
            await trio.to_thread.run_sync(lambda: cli("catalog", "add-item", "--category", "Keys", "--title", "Last one", "--price", "5"))
            await trio.to_thread.run_sync(lambda: cli("catalog", "add-stock", "--item", "Last one", stdin="THE-LAST-KEY\n"))
            for user in (ann, bob):
                await trio.to_thread.run_sync(cli, "user", "credit", str(user.id), "5")
                await user.press("🛍 Shop")
                await user.wait_for(lambda m: "Keys (1)" in str(m.get("reply_markup")), timeout=10)
                await user.press("Keys (1)")
                await user.wait_for_text("Choose an item", timeout=10)
                await user.press("Last one · 5.00 USD")
                await user.wait_for_text("In stock: 1", timeout=10)
                await user.press("Buy")
                await user.wait_for_text("Your balance: 5.00 USD", timeout=10)
            async with trio.open_nursery() as race:
                race.start_soon(ann.press, "✅ Confirm")
                race.start_soon(bob.press, "✅ Confirm")
            got_key = lambda u: any("THE-LAST-KEY" in (m.get("text") or "") for m in u.bot_messages())  # noqa: E731
            await eventually(lambda: len(ann.callback_answers) == len(bob.callback_answers) == 5, 10, "both answers")
            await eventually(lambda: got_key(ann) or got_key(bob), 10, "the delivery")
            async with open_store(StorageSettings(database_url=f"sqlite://{tmp_path}/shop.db"), migrate=False) as store:
                await until_handled(emu, store)
            assert got_key(ann) != got_key(bob), "exactly one buyer gets the last unit"
            loser = bob if got_key(ann) else ann
            assert loser.callback_answers[-1]["text"] == "Sorry, this item is sold out."
        finally:
            _, err = await stop(process)
            nursery.cancel_scope.cancel()
    assert token not in err and "any-bot-api-server" not in err
