"""The inbox records what was handled: an update whose effect committed just before a crash is not
handled again after the restart.

The shop runs as a real process (`shopkeeper run`) against the emulator on loopback, with its
conversation state in Redis (so a question asked before the crash is still open after it). Ann redeems
a credit code that may be used many times per user, and Bob types the description of a payment
dispute; the answers that follow each effect hang (an injected timeout), and the process is killed with
SIGKILL while they do: both effects are committed, and the poller had not marked either update
handled. After the restart Ann is credited once, and Bob's dispute is recorded once: each effect
claimed its update in the inbox in its own transaction, so the replay knows they were handled.
"""

import signal
import subprocess
from decimal import Decimal
from functools import partial
from pathlib import Path

import httpx
import redis
import trio

from storage import StorageSettings, open_store
from telegram.emulator import EmulatedUser, Emulator, Fault, serve_emulator
from tests.support.chat import press_when_shown
from tests.support.processes import SHOPKEEPER, environment, free_port, stop, wait_healthy
from tests.support.servers import REDIS_URL, missing_service
from tests.support.shop import storage_section

TOKEN = "626262:replay-test-bot"
# A Redis database of its own, and user ids no other test uses: the server is shared.
REDIS = f"{REDIS_URL.rstrip('/')}/13"
ANN, BOB = 7_310_001, 7_310_002


def welcomes(user: EmulatedUser) -> int:
    return sum("Welcome" in (m.get("text") or "") for m in user.bot_messages())


def sends(emu: Emulator) -> list[dict]:
    return [params for _, method, params in emu.calls if method == "sendMessage"]


async def test_an_effect_committed_before_a_kill_is_not_repeated_by_the_replay(database_url: str, tmp_path: Path) -> None:
    try:
        redis.Redis.from_url(REDIS).delete(f"pending:{ANN}", f"pending:{BOB}")
    except redis.RedisError as error:
        missing_service(f"Redis at {REDIS}", error)
    async with open_store(StorageSettings(database_url=database_url)) as store:
        await store.create_promo("MANY5", "credit", Decimal("5.00"), once_per_user=False)
    emu = Emulator()
    emu.create_bot(token=TOKEN, username="replay_shop_bot")
    ann, bob = emu.user(ANN, first_name="Ann"), emu.user(BOB, first_name="Bob")
    web = free_port()
    config = tmp_path / "shop.toml"
    async with trio.open_nursery() as nursery:
        port = await nursery.start(serve_emulator, emu, "127.0.0.1", 0)
        config.write_text(
            f'[telegram]\ntoken = "{TOKEN}"\nowner_id = 1\napi_base_url = "http://127.0.0.1:{port}"\npoll_timeout = 2\n'
            f'{storage_section(database_url)}redis_url = "{REDIS}"\n[web]\nport = {web}\n'
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
            await ann.wait_for_text("Welcome", timeout=10)
            await bob.send_text("/paysupport")
            await press_when_shown(bob, "📝 Open a payment dispute")
            await bob.wait_for_text("Describe the problem", timeout=10)

            # What follows each effect hangs: Ann's confirmation, the dispute's notice to the owner.
            before = len(sends(emu))
            emu.faults.inject(Fault(method="sendMessage", kind="timeout", times=2))
            await ann.send_text("/redeem many5")
            await bob.send_text("I was charged twice")
            with trio.fail_after(10):
                while len(sends(emu)) < before + 2:
                    await trio.sleep(0.01)
            process.send_signal(signal.SIGKILL)
            await trio.to_thread.run_sync(process.wait)
            emu.faults.clear()

            process = start()
            async with httpx.AsyncClient(timeout=5) as client:
                await wait_healthy(client, f"http://127.0.0.1:{web}/health", 30)
            # Each chat's replayed update comes before its new one.
            for user in (ann, bob):
                welcomed = welcomes(user)
                await user.send_text("/start")
                await user.wait_for(lambda _, user=user, welcomed=welcomed: welcomes(user) > welcomed, timeout=20)
            await stop(process)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            nursery.cancel_scope.cancel()

    async with open_store(StorageSettings(database_url=database_url)) as store:
        user = await store.get_user(ANN)
        assert user is not None and user.balance == Decimal("5.00"), "the code was redeemed once"
        ledger = await store.ledger_page(ANN, 1, 10)
        assert [(row.kind, row.amount) for row in ledger.rows] == [("promo", Decimal("5.00"))]
        events = await store.audit_page(1, 20)
        assert [(e.action, e.detail) for e in events.rows if e.action == "payment.dispute"] == [
            ("payment.dispute", "I was charged twice")
        ]
        assert await store.unhandled_updates() == []
