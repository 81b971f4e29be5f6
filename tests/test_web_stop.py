"""A stop does not wait for idle keep-alive connections: Telegram's webhook deliveries and browsers
keep their connections open between requests, and the web server used to hold every stop for
`web.graceful_timeout` (30 s here) because of them. A request in hand is still finished."""

import httpx
import trio

from tests.support.shop import open_shop
from tests.test_webhook_mode import PATH, SECRET, webhook_emulator, webhook_shop

GRACEFUL = 30.0


async def test_a_stop_leaves_idle_keep_alive_connections_at_once(sqlite_url: str) -> None:
    async with httpx.AsyncClient() as client:
        async with open_shop(sqlite_url, web={"graceful_timeout": GRACEFUL}) as shop:
            for _ in range(3):  # one connection, kept alive between the requests
                assert (await client.get(shop.running.web_binds[0] + "/metrics")).status_code in (200, 401)
            stopping = trio.current_time()
        assert trio.current_time() - stopping < GRACEFUL / 3, "the stop waited for the idle connection"


async def test_a_webhook_shop_stops_at_once_after_deliveries(sqlite_url: str) -> None:
    """In webhook mode the emulator, as Telegram, keeps its connection to the shop alive."""
    emu = webhook_emulator()
    ann = emu.user(1001, first_name="Ann")
    async with webhook_shop(sqlite_url, emu, web={"graceful_timeout": GRACEFUL}) as shop:
        await ann.send_text("/start")
        await ann.wait_for_text("Welcome")
        async with httpx.AsyncClient(base_url=shop.running.web_binds[0]) as client:
            answer = await client.post(PATH, content=b"{}", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert answer.status_code == 400
        stopping = trio.current_time()
    assert trio.current_time() - stopping < GRACEFUL / 3, "the stop waited for the emulator's idle connection"
