"""Two real `shopkeeper run` processes in webhook mode behind a round-robin load balancer, on one
PostgreSQL and Redis, serving one bot: buyers browse and race for a hot item while one process is
killed with SIGKILL mid-traffic (the one sending a broadcast). Every press is answered once, no key is
sold twice or lost, every balance equals its ledger, and the survivor takes over the broadcast (nobody
skipped) and every singleton (the payment reconciler among them) within 30 seconds."""

import re
import signal
import subprocess
from collections import Counter
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import trio

from storage import StorageSettings, open_store
from telegram.emulator import EmulatedUser, Emulator, serve_emulator
from tests.support.balancer import RoundRobin
from tests.support.chat import labels
from tests.support.processes import STOCK_KEY, free_port, held, shop_of_several, stop, wait_healthy
from tests.support.store import seed_item
from tests.support.waiting import eventually, until_handled

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

TOKEN = "123456:balanced-shop"
SECRET = "balanced-Secret_1"
BUYERS = 16
KEYS = 10
LEASE_SECONDS = 2
BROADCAST = "Sale tonight"
# A broadcast slow enough to be under way when its process is killed: a batch (a second's worth) at a time.
BROADCAST_RATE = 1
SINGLETONS = {"broadcaster", "reconciler", "housekeeper", "notifier"}
ITEM = "Space <Game> & Co · 10.00 USD"
WAIT = 20.0
KEY = re.compile(r"KEY-\d\d")  # an update in the killed process's hands is adopted within a lease and a heartbeat


def shop_process(tmp_path: Path, index: int, emulator: int, web: int, database_url: str) -> subprocess.Popen[str]:
    """One of the two processes, in webhook mode, in a directory of its own."""
    directory = tmp_path / f"process-{index}"
    directory.mkdir()
    return shop_of_several(
        directory,
        token=TOKEN,
        emulator=emulator,
        database_url=database_url,
        web=web,
        lease_seconds=LEASE_SECONDS,
        SHOPKEEPER_TELEGRAM_MODE="webhook",
        SHOPKEEPER_TELEGRAM_WEBHOOK_SECRET=SECRET,
        SHOPKEEPER_TELEGRAM_CHAT_RATE="100",
        SHOPKEEPER_TELEGRAM_CHAT_BURST="100",
        SHOPKEEPER_ADMIN_BROADCAST_RATE=str(BROADCAST_RATE),
    )


async def broadcaster_holder(client: httpx.AsyncClient, webs: list[int]) -> int:
    """The index of the process that holds the broadcaster, as their /metrics say (asked again while
    a scrape of a busy process times out)."""
    with trio.fail_after(WAIT):
        while True:
            holders = [n for n, web in enumerate(webs) if "broadcaster" in await held(client, web)]
            if len(holders) == 1:
                return holders[0]
            await trio.sleep(0.2)


class Buyer:
    """One buyer's walk, counting the presses each of which must get exactly one answer."""

    def __init__(self, user: EmulatedUser) -> None:
        self.user = user
        self.presses = 0

    async def press(self, label: str) -> None:
        await self.user.wait_for(lambda m: label in labels(m), WAIT)
        self.presses += 1
        await self.user.press(label)

    async def browse(self) -> None:
        await self.user.send_text("/start")
        await self.user.wait_for_text("Welcome", WAIT)
        await self.press("🛍 Shop")
        await self.press("Games (1)")
        await self.press(ITEM)
        await self.user.wait_for_text("In stock:", WAIT)

    async def buy(self) -> str:
        """Buy one key: "bought" or "sold out"."""
        await self.press("Buy")
        # With more than one unit in stock and money for them, the quantity comes first.
        await eventually(lambda: self.sold_out() or self.shown("1") or self.shown("✅ Confirm"), WAIT, "the quantities")
        if self.sold_out():
            return "sold out"
        if not self.shown("✅ Confirm"):
            await self.press("1")
        await eventually(lambda: self.sold_out() or self.shown("✅ Confirm"), WAIT, "the order")
        if self.sold_out():
            return "sold out"
        await self.press("✅ Confirm")
        await eventually(lambda: self.sold_out() or self.receipts() > 0, WAIT, "the purchase's outcome")
        return "sold out" if self.sold_out() else "bought"

    def shown(self, label: str) -> bool:
        return any(label in labels(message) for message in self.user.bot_messages())

    def sold_out(self) -> bool:
        return any("sold out" in (answer["text"] or "") for answer in self.user.callback_answers)

    def receipts(self) -> int:
        return sum("Purchase complete" in (m.get("text") or "") for m in self.user.bot_messages())

    def keys(self) -> list[str]:
        return [key for m in self.user.bot_messages() for key in KEY.findall(m.get("text") or "")]


async def test_two_processes_behind_a_balancer_survive_one_killed_mid_traffic(tmp_path: Path, postgres_url: str) -> None:
    emu = Emulator(local_webhooks=True)
    emu.create_bot(token=TOKEN, username="shop_bot", first_name="Shop")
    settings = StorageSettings(database_url=postgres_url, stock_key=STOCK_KEY)
    async with open_store(settings) as store:
        await seed_item(store, units=[f"KEY-{n:02}" for n in range(1, KEYS + 1)])
    webs = [free_port(), free_port()]
    processes: list[subprocess.Popen[str]] = []
    balancer = RoundRobin([f"http://127.0.0.1:{web}" for web in webs])
    buyers = [Buyer(emu.user(2000 + n, first_name=f"Buyer{n}")) for n in range(BUYERS)]
    async with trio.open_nursery() as nursery, httpx.AsyncClient(timeout=5) as client, open_store(settings) as store:
        port = await nursery.start(serve_emulator, emu, "127.0.0.1", 0)
        url = await nursery.start(balancer.serve)
        try:
            for index, web in enumerate(webs):
                processes.append(shop_process(tmp_path, index, port, web, postgres_url))
            for web in webs:
                await wait_healthy(client, f"http://127.0.0.1:{web}/health", 30)
            answer = await client.post(
                f"http://127.0.0.1:{port}/bot{TOKEN}/setWebhook",
                json={"url": f"{url}/telegram/webhook", "secret_token": SECRET},
            )
            assert answer.json() == {"ok": True, "result": True}
            await nursery.start(emu.deliver_webhooks)

            async with trio.open_nursery() as walks:
                for buyer in buyers:
                    walks.start_soon(buyer.browse)
            assert min(balancer.forwarded.values()) > BUYERS, f"both processes served: {balancer.forwarded}"

            def greeted() -> int:
                return sum(any(BROADCAST in (m.get("text") or "") for m in b.user.bot_messages()) for b in buyers)

            for buyer in buyers:
                await store.credit_user(buyer.user.id, Decimal("10.00"), reason="test top-up")
            await store.create_broadcast(None, BROADCAST, "all")
            await eventually(lambda: greeted() > 0, WAIT, "the broadcast under way")

            outcomes: dict[int, str] = {}

            async def buy(buyer: Buyer, delay: float) -> None:
                await trio.sleep(delay)
                outcomes[buyer.user.id] = await buyer.buy()

            async with trio.open_nursery() as purchases:
                for n, buyer in enumerate(buyers):
                    purchases.start_soon(buy, buyer, n * 0.2)
                # Mid-traffic, while the broadcast is under way: its process dies without a word.
                # Three purchases done, or the broadcast half sent, whichever comes first on a busy machine.
                await eventually(lambda: len(outcomes) >= 3 or greeted() >= BUYERS // 2, WAIT, "purchases under way")
                victim = await broadcaster_holder(client, webs)
                assert greeted() < BUYERS and len(outcomes) < BUYERS, "killed mid-traffic, not after it"
                killed_at = trio.current_time()
                processes[victim].send_signal(signal.SIGKILL)
                processes[victim].wait(timeout=10)

            heir = webs[1 - victim]
            with trio.fail_after(30):
                while await held(client, heir) != SINGLETONS:
                    await trio.sleep(0.2)
            assert trio.current_time() - killed_at < 30
            # The rest of the broadcast, at BROADCAST_RATE a second after the takeover.
            await eventually(
                lambda: greeted() == BUYERS, BUYERS / BROADCAST_RATE + WAIT, "the broadcast taken over, nobody skipped"
            )
            await until_handled(emu, store, WAIT)

            # Every press answered exactly once (Telegram takes one answer per query: none missing),
            # every update delivered with one 2xx.
            for buyer in buyers:
                assert len(buyer.user.callback_answers) == buyer.presses, buyer.user.first_name
            assert set(emu.updates_delivered().values()) == {1}
            # No oversell, no key twice or lost: each bought key reached one buyer, once.
            assert Counter(outcomes.values()) == {"bought": KEYS, "sold out": BUYERS - KEYS}
            keys = [key for buyer in buyers for key in buyer.keys()]
            assert sorted(keys) == [f"KEY-{n:02}" for n in range(1, KEYS + 1)]
            for buyer in buyers:
                assert buyer.receipts() == len(buyer.keys()) == (outcomes[buyer.user.id] == "bought")
            assert await store.check_ledger() == []
            for buyer in buyers:
                left = Decimal("0.00") if outcomes[buyer.user.id] == "bought" else Decimal("10.00")
                user = await store.get_user(buyer.user.id)
                assert user is not None and user.balance == left
            # The broadcast resumed after its last batch written: at most that batch is sent twice.
            copies = [sum(BROADCAST in (m.get("text") or "") for m in b.user.bot_messages()) for b in buyers]
            assert set(copies) <= {1, 2} and copies.count(2) <= BROADCAST_RATE, copies
        finally:
            for process in processes:
                if process.poll() is None:
                    await stop(process)
            nursery.cancel_scope.cancel()
