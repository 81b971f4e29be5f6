"""What Telegram says of the webhook shows on /health, the overview and the dashboard (webhook mode): the
updates it holds and its last delivery error as the emulator recorded them, a webhook missing or
registered elsewhere (/health stays 200: the registration is every process's, see webui.health), a
failed getWebhookInfo, and nothing of it when polling. Nothing secret shows on the public /health."""

import html
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import trio

from telegram.emulator import Emulator, Fault
from tests.support.processes import wait_healthy
from tests.support.shop import TOKEN, RunningShop, open_shop
from tests.test_live_shop import sign_in_owner, web_client
from tests.test_webhook_mode import SECRET, webhook_emulator

# The reverse proxy's public address, as telegram.webhook_url names it; nothing listens there, so
# Telegram (the emulator) fails to deliver to it.
PUBLIC = "https://127.0.0.1:8443/telegram/webhook"
SET_IT = "run `shopkeeper webhook set`"


async def bot_api(emu: Emulator, method: str, **params: Any) -> Any:
    async with httpx.AsyncClient(transport=emu.transport(), base_url="http://emulator") as api:
        answer = (await api.post(f"/bot{TOKEN}/{method}", json=params)).json()
    assert answer["ok"], answer
    return answer["result"]


@asynccontextmanager
async def shop_in_webhook_mode(sqlite_url: str, emu: Emulator) -> AsyncIterator[RunningShop]:
    async with open_shop(sqlite_url, emu, mode="webhook", webhook_secret=SECRET, webhook_url=PUBLIC) as shop:
        yield shop


async def health_when(client: httpx.AsyncClient, done: Callable[[dict[str, Any]], bool], timeout: float = 15) -> httpx.Response:
    """/health once the shop takes updates (the intake is ready) and its webhook entry satisfies `done`
    (the watcher asks Telegram once the shop has started)."""
    with trio.move_on_after(timeout):
        while True:
            response = await client.get("/health")
            components = response.json()["components"]
            if components["bot_api"]["ok"] and done(components["webhook"]):
                return response
            await trio.sleep(0.05)
    raise AssertionError(f"/health stayed {response.json()}")


def asked(entry: dict[str, Any]) -> bool:
    return entry["detail"] != "not asked yet"


def seen(page: str) -> str:
    """A page's text as a reader sees it: tags gone, entities decoded, white space collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


async def pages(shop: RunningShop, client: httpx.AsyncClient) -> tuple[str, str]:
    """The overview and the dashboard as the owner sees them."""
    await sign_in_owner(shop, client)
    return seen((await client.get("/")).text), seen((await client.get("/dashboard")).text)


async def test_health_and_the_pages_show_the_updates_telegram_holds_and_its_last_delivery_error(sqlite_url: str) -> None:
    emu = webhook_emulator()
    await bot_api(emu, "setWebhook", url=PUBLIC, secret_token=SECRET)
    await emu.user(1001, first_name="Ann").send_text("/start")
    # Telegram tries to deliver Ann's /start to the proxy, which is not there.
    async with trio.open_nursery() as nursery:
        await nursery.start(emu.deliver_webhooks)
        with trio.fail_after(5):
            while "last_error_message" not in (info := await bot_api(emu, "getWebhookInfo")):
                await trio.sleep(0.05)
        nursery.cancel_scope.cancel()  # no retry moves the error's time while the test reads it
    when = datetime.fromtimestamp(info["last_error_date"], UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    error = info["last_error_message"]
    assert error == "Connection refused"
    async with shop_in_webhook_mode(sqlite_url, emu) as shop, web_client(shop) as client:
        response = await health_when(client, asked)
        overview, dashboard = await pages(shop, client)
    health = response.json()
    assert response.status_code == 200 and health["status"] == "ok", health
    assert health["components"]["webhook"] == {
        "ok": True,
        "detail": f"{PUBLIC}: 1 pending; last error {when}: {error}",
        "url": PUBLIC,
        "pending_update_count": 1,
        "last_error_date": info["last_error_date"],
        "last_error_message": error,
    }
    assert f"Telegram webhook registered {PUBLIC} 1 pending update last error {when}: {error}" in overview
    assert f"Telegram webhook: registered · 1 pending update · last error {when}: {error}" in dashboard


async def test_a_failed_call_shows_then_a_missing_webhook_tells_the_operator_what_to_run(sqlite_url: str) -> None:
    """/health stays 200 ("degraded"): the registration is every process's, and taking every replica
    out of a load balancer for it would take the web app down too."""
    emu = webhook_emulator()
    emu.faults.inject(Fault(method="getWebhookInfo", kind="unauthorized"))
    async with shop_in_webhook_mode(sqlite_url, emu) as shop, web_client(shop) as client:
        failed = await health_when(client, asked)
        # The watcher goes on, and asks again at its next round (10 s: not well, it does not wait 30).
        missing = await health_when(client, lambda entry: entry["detail"] != failed.json()["components"]["webhook"]["detail"])
        overview, dashboard = await pages(shop, client)
    assert failed.status_code == 200 and failed.json()["status"] == "degraded"
    assert failed.json()["components"]["webhook"] == {"ok": False, "detail": "getWebhookInfo failed: getWebhookInfo: 401 Unauthorized"}
    assert failed.json()["components"]["actor:health"] == {"ok": True, "detail": "running"}
    assert missing.status_code == 200 and missing.json()["status"] == "degraded"
    assert missing.json()["components"]["webhook"] == {
        "ok": False,
        "detail": f"no webhook registered: {SET_IT}",
        "url": "",
        "pending_update_count": 0,
    }
    assert "Status: something is wrong" in overview
    assert f"Telegram webhook not registered no webhook registered: {SET_IT} 0 pending updates" in overview
    assert f"Telegram webhook: not registered · 0 pending updates · no webhook registered: {SET_IT}" in dashboard


async def test_a_webhook_registered_elsewhere_is_not_ok_and_its_url_shows_no_secret(sqlite_url: str) -> None:
    emu = webhook_emulator()
    # Registered by hand once, with the bot token in the path (a common recipe) and not at webhook_url.
    await bot_api(emu, "setWebhook", url=f"https://127.0.0.1:8443/bot{TOKEN}", secret_token=SECRET)
    async with shop_in_webhook_mode(sqlite_url, emu) as shop, web_client(shop) as client:
        response = await health_when(client, asked)
        overview, dashboard = await pages(shop, client)
    assert response.status_code == 200 and response.json()["status"] == "degraded"
    assert response.json()["components"]["webhook"] == {
        "ok": False,
        "detail": f"registered at https://127.0.0.1:8443/bot****, not at telegram.webhook_url ({PUBLIC}): {SET_IT}",
        "url": "https://127.0.0.1:8443/bot****",
        "pending_update_count": 0,
    }
    assert TOKEN not in response.text and TOKEN not in overview and TOKEN not in dashboard
    assert "Telegram webhook elsewhere registered at https://127.0.0.1:8443/bot****" in overview
    assert "Telegram webhook: elsewhere · 0 pending updates · registered at" in dashboard


async def test_polling_asks_nothing_of_a_webhook_and_shows_none(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop, web_client(shop) as client:
        health = await wait_healthy(client, "/health", 10)
        overview, dashboard = await pages(shop, client)
        called = {name for _, name, _ in shop.emu.calls}
    assert health["status"] == "ok" and "webhook" not in health["components"]
    assert "getWebhookInfo" not in called and "getUpdates" in called
    assert "Telegram webhook" not in overview and "Telegram webhook" not in dashboard
