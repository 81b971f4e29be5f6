"""Webhook mode end to end, on SQLite and PostgreSQL: the emulator POSTs each update to the shop's
web app as Telegram does, and the shop answers the buyer. Only a request with the secret is taken;
an update delivered again is handled once; one claimed by a process that died before handling it is
handled after the restart; a chat's updates are handled in order."""

import json
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import msgspec
import trio
from prometheus_client.parser import text_string_to_metric_families

from storage import StorageSettings, open_store
from telegram.emulator import Emulator
from telegram.routing import chat_key
from telegram.types import Update
from tests.support.chat import open_item, start
from tests.support.processes import SHOPKEEPER, environment, free_port, stop, wait_healthy
from tests.support.shop import TOKEN, RunningShop, open_shop
from tests.support.store import seed_item
from tests.support.waiting import eventually, until_idle
from tests.test_live_shop import sign_in_owner, web_client

SECRET = "webhook-Secret_42"
PATH = "/telegram/webhook"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
PAGES = {"help_text": "HELP PAGE", "rules_text": "RULES PAGE", "terms_text": "TERMS PAGE", "privacy_text": "PRIVACY PAGE"}


def webhook_emulator() -> Emulator:
    emu = Emulator(local_webhooks=True)
    emu.create_bot(token=TOKEN, username="shop_bot", first_name="Shop")
    return emu


@asynccontextmanager
async def webhook_shop(database_url: str, emu: Emulator | None = None, **options: Any) -> AsyncIterator[RunningShop]:
    """The shop in webhook mode, its webhook registered with the emulator at the shop's own address
    (as an operator's `shopkeeper webhook set` does), and the emulator delivering to it."""
    emu = emu or webhook_emulator()
    async with trio.open_nursery() as nursery:
        await nursery.start(emu.deliver_webhooks)
        async with open_shop(database_url, emu, mode="webhook", webhook_secret=SECRET, shop=PAGES, **options) as shop:
            async with httpx.AsyncClient(transport=emu.transport(), base_url="http://emulator") as api:
                answer = await api.post(
                    f"/bot{TOKEN}/setWebhook", json={"url": shop.running.web_binds[0] + PATH, "secret_token": SECRET}
                )
                assert answer.json() == {"ok": True, "result": True}
            yield shop
        nursery.cancel_scope.cancel()


def as_update(update_id: int, message: dict[str, Any]) -> bytes:
    return json.dumps({"update_id": update_id, "message": message}).encode()


def last_sent(user: Any) -> dict[str, Any]:
    return [message for message in user.transcript() if message["from"]["id"] == user.id][-1]


async def post(shop: RunningShop, body: bytes, secret: str | bytes | None = SECRET) -> int:
    headers: dict[str, str | bytes] = {"Content-Type": "application/json"}
    if secret is not None:
        headers[HEADER] = secret
    async with httpx.AsyncClient(base_url=shop.running.web_binds[0]) as client:
        return (await client.post(PATH, content=body, headers=headers)).status_code


async def test_a_buyer_starts_and_buys_through_the_webhook(database_url: str) -> None:
    async with webhook_shop(database_url) as shop:
        await seed_item(shop.store, units=["KEY-1"])
        ann = shop.emu.user(1001, first_name="Ann")
        await open_item(ann)
        await shop.store.credit_user(ann.id, Decimal("25.00"), reason="test top-up")
        await ann.press("Buy")
        await ann.wait_for_text("Your balance: 25.00 USD")
        await ann.press("✅ Confirm")
        await ann.wait_for_text("KEY-1")
        await ann.wait_for_text("Purchase complete")
        await until_idle(shop)
        assert set(shop.emu.updates_delivered().values()) == {1}, "every update posted once, answered 200"
        assert await shop.store.check_ledger() == []
        async with web_client(shop) as client:
            health = (await client.get("/health")).json()
            await sign_in_owner(shop, client)
            overview = (await client.get("/")).text
        assert health["components"]["bot_api"] == {"ok": True, "detail": "webhook"}
        assert '<div class="value">webhook</div>' in overview


async def test_a_request_without_the_secret_is_refused_and_nothing_is_handled(database_url: str) -> None:
    async with webhook_shop(database_url) as shop:
        bob = shop.emu.user(1002, first_name="Bob")
        await start(bob)
        await until_idle(shop)
        update_id = max(shop.emu.updates_delivered())
        greeted = len(bob.bot_messages())
        # A /start Bob never sent, as a forger would post it.
        forged = as_update(update_id + 100, {**last_sent(bob), "message_id": 999})
        for secret in (None, "", "wrong", SECRET + "x", SECRET[:-1], "wébhook".encode("latin-1")):
            assert await post(shop, forged, secret) == 401, secret
        assert await post(shop, b"{not json", SECRET) == 400
        assert await post(shop, b'{"update_id": "one"}', SECRET) == 400
        await until_idle(shop)
        assert len(bob.bot_messages()) == greeted, "nothing was answered"
        assert await shop.store.take_update(update_id + 100, bob.id, forged) == "kept", "nothing was kept in the inbox"


async def webhook_counts(shop: RunningShop) -> dict[str, float]:
    """The webhook requests by outcome, as /metrics/prometheus shows them to the signed-in owner."""
    async with web_client(shop) as client:
        await sign_in_owner(shop, client)
        text = (await client.get("/metrics/prometheus")).text
    return {
        sample.labels["outcome"]: sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "shopkeeper_telegram_webhook_requests"
        for sample in family.samples
        if sample.name.endswith("_total")
    }


async def test_the_webhook_path_refuses_other_methods_and_large_bodies_and_counts_its_requests(database_url: str) -> None:
    async with webhook_shop(database_url) as shop:
        bob = shop.emu.user(1002, first_name="Bob")
        await start(bob)
        await until_idle(shop)
        greeted = len(bob.bot_messages())
        before = await webhook_counts(shop)
        update_id = max(shop.emu.updates_delivered())
        large = as_update(update_id + 100, {**last_sent(bob), "message_id": 998, "text": "/help" + " " * 70_000})

        async def chunks() -> AsyncIterator[bytes]:
            for begin in range(0, len(large), 4096):
                yield large[begin : begin + 4096]

        headers = {HEADER: SECRET, "Content-Type": "application/json"}
        async with httpx.AsyncClient(base_url=shop.running.web_binds[0]) as client:
            declared = await client.post(PATH, content=large, headers=headers)
            chunked = await client.post(PATH, content=chunks(), headers=headers)
            # The secret is checked before the body is read.
            forged = await client.post(PATH, content=large, headers={"Content-Type": "application/json"})
            got = await client.get(PATH, headers=headers)
            again = await client.post(PATH, content=as_update(update_id, last_sent(bob)), headers=headers)
        assert [r.status_code for r in (declared, chunked, forged, got, again)] == [413, 413, 401, 405, 200]
        assert got.headers["allow"] == "POST"
        assert (again.text, again.headers["content-type"]) == ("ok", "text/plain; charset=utf-8")
        assert again.headers["x-content-type-options"] == "nosniff" and "default-src 'self'" in again.headers["content-security-policy"]
        await until_idle(shop)
        assert len(bob.bot_messages()) == greeted, "nothing was answered"
        after = await webhook_counts(shop)
        counted = {outcome: after.get(outcome, 0) - before.get(outcome, 0) for outcome in after}
        assert {outcome: n for outcome, n in counted.items() if n} == {"bad_secret": 1, "duplicate": 1}


async def test_an_update_delivered_again_is_handled_once(database_url: str) -> None:
    async with webhook_shop(database_url) as shop:
        bob = shop.emu.user(1002, first_name="Bob")
        await start(bob)
        await until_idle(shop)
        update_id = max(shop.emu.updates_delivered())
        again = as_update(update_id, last_sent(bob))
        answered = len(bob.bot_messages())
        # Telegram did not get the 200 (a timeout, a lost connection) and delivers it again, twice at once.
        async with trio.open_nursery() as nursery:
            for _ in range(2):
                nursery.start_soon(post, shop, again)
        assert await post(shop, again) == 200
        await until_idle(shop)
        await trio.sleep(0.2)
        assert len(bob.bot_messages()) == answered


async def test_an_update_claimed_by_a_process_that_died_is_handled_after_the_restart(database_url: str) -> None:
    emu = webhook_emulator()
    cleo = emu.user(1003, first_name="Cleo")
    # Cleo's /start reached a process that claimed it in the inbox, answered 200 and died before
    # handling it: Telegram forgot the update, the inbox holds it unhandled.
    await cleo.send_text("/help")
    (raw,) = emu.bot().queue.waiting()
    update = msgspec.json.decode(json.dumps(raw), type=Update)
    async with open_store(StorageSettings(database_url=database_url)) as store:
        assert await store.take_update(update.update_id, chat_key(update), msgspec.json.encode(update)) == "kept"
    emu.bot().queue.drop_pending()
    async with webhook_shop(database_url, emu) as shop:
        await cleo.wait_for_text("HELP PAGE")
        await until_idle(shop)
        assert [m["text"] for m in cleo.bot_messages()].count("HELP PAGE") == 1


async def test_one_chats_updates_are_handled_in_order(database_url: str) -> None:
    async with webhook_shop(database_url) as shop:
        dan = shop.emu.user(1004, first_name="Dan")
        await start(dan)
        commands = ["/help", "/rules", "/terms", "/privacy"] * 3
        for command in commands:
            await dan.send_text(command)
        await eventually(lambda: len(dan.bot_messages()) > len(commands), what="every page answered")
        await until_idle(shop)
        pages = [m["text"] for m in dan.bot_messages()[1:]]
        assert pages == [f"{command[1:].upper()} PAGE" for command in commands]


async def test_the_sandbox_runs_in_webhook_mode_when_configured(tmp_path: Path) -> None:
    """SHOPKEEPER_TELEGRAM_MODE=webhook: the sandbox registers its web server's webhook route with its
    own emulator, which posts the buyer's /start there; the shop answers it."""
    web, emulator = free_port(), free_port()
    process = subprocess.Popen(
        [SHOPKEEPER, "sandbox", "--emulator-port", str(emulator), "--cryptopay-port", "0"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=environment(SHOPKEEPER_WEB_PORT=str(web), SHOPKEEPER_TELEGRAM_MODE="webhook"),
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{emulator}", timeout=5) as client:
            health = await wait_healthy(client, f"http://127.0.0.1:{web}/health", 30)
            assert health["components"]["bot_api"] == {"ok": True, "detail": "webhook"}
            with trio.fail_after(10):
                while not (info := (await client.get("/bot100000:sandbox-token/getWebhookInfo")).json()["result"])["url"]:
                    await trio.sleep(0.1)
            assert info["url"] == f"http://127.0.0.1:{web}/telegram/webhook"
            assert (await client.get("/bot100000:sandbox-token/getUpdates")).status_code == 409
            sent = await client.post("/_emulator/users/1001/send", json={"text": "/start", "first_name": "Ann"})
            assert sent.status_code == 200, sent.text
            with trio.fail_after(10):
                while len(transcript := (await client.get("/_emulator/chats/1001/transcript")).json()) < 2:
                    await trio.sleep(0.1)
            assert transcript[1]["from"]["is_bot"] and "Choose what you need" in transcript[1]["text"]
    finally:
        await stop(process)


async def test_a_live_processes_updates_are_left_alone_and_a_killed_ones_are_taken_over(database_url: str) -> None:
    """Two processes behind a load balancer: the shop leaves alone an update another live process
    holds, and handles one whose holder was killed after answering 200, once its lease runs out."""
    async with webhook_shop(database_url, storage={"lease_seconds": 1}) as shop:
        cleo, dan = shop.emu.user(1003, first_name="Cleo"), shop.emu.user(1004, first_name="Dan")
        await start(cleo)
        await start(dan)
        await until_idle(shop)
        greeted = len(cleo.bot_messages()), len(dan.bot_messages())
        update_id = max(shop.emu.updates_delivered())
        async with open_store(StorageSettings(database_url=database_url)) as other:
            # The other process got these /help requests, kept them in the inbox and answered 200.
            for user, holder in ((cleo, "killed"), (dan, "live")):
                update_id += 1
                now = datetime.now(UTC)
                await other.beat(holder, now=now, until=now + timedelta(seconds=2))
                body = as_update(update_id, {**last_sent(user), "message_id": update_id, "text": "/help"})
                assert await other.take_update(update_id, user.id, body, holder) == "kept"

            async def keep_alive() -> None:
                while True:
                    now = datetime.now(UTC)
                    await other.beat("live", now=now, until=now + timedelta(seconds=2))
                    await trio.sleep(0.2)

            async with trio.open_nursery() as nursery:
                nursery.start_soon(keep_alive)
                with trio.fail_after(5):
                    await cleo.wait_for_text("HELP PAGE")
                # Several of the shop's heartbeats (a third of its 1 s lease) pass.
                await trio.sleep(2)
                assert len(dan.bot_messages()) == greeted[1], "the live process's update is its own"
                nursery.cancel_scope.cancel()
            # The live process dies in turn: its update is taken over too.
            with trio.fail_after(5):
                await dan.wait_for_text("HELP PAGE")
            await until_idle(shop)
            assert [m["text"] for m in cleo.bot_messages()][greeted[0] :] == ["HELP PAGE"]
            assert [m["text"] for m in dan.bot_messages()][greeted[1] :] == ["HELP PAGE"]
