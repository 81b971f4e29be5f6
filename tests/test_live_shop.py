"""The whole shop with its web server: a purchase made in the chat shows on /events and on an open
/live stream, and a shop stopping with a stream open stops at once, not after graceful_timeout."""

from decimal import Decimal

import httpx
import trio

from storage import SignInLink, StorageSettings, open_store
from tests.support.chat import open_item
from tests.support.shop import OWNER_ID, RunningShop, open_shop
from tests.support.store import seed_item
from webui import Auth, HealthReport, WebSettings, create_app, serve_web

KEY = "LIVE-KEY-1"


async def sign_in_owner(shop: RunningShop, client: httpx.AsyncClient) -> None:
    """Sign `client` (an HTTP client of the shop's web server) in as the owner."""
    await shop.store.register_user(OWNER_ID, username=None, first_name="Owner", language_code="en", owner_id=OWNER_ID)
    issued = await shop.store.issue_sign_in(OWNER_ID, owner_id=OWNER_ID, actor_id=OWNER_ID)
    assert isinstance(issued, SignInLink)
    assert (await client.post(f"/sign-in/{issued.token}")).status_code == 303


def web_client(shop: RunningShop) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=shop.running.web_binds[0], timeout=10)


async def test_a_purchase_in_the_chat_is_on_events_and_on_the_open_stream(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        await seed_item(shop.store, title="Live Game", units=[KEY])
        async with web_client(shop) as client:
            await sign_in_owner(shop, client)
            async with client.stream("GET", "/live") as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                lines = stream.aiter_lines()
                assert await anext(lines) == ": live"
                ann = shop.emu.user(1001, first_name="Ann")
                await open_item(ann, "Live Game")
                await shop.store.credit_user(1001, Decimal("25.00"), reason="test top-up")
                await ann.press("Buy")
                await ann.wait_for_text("Your balance: 25.00 USD")
                await ann.press("✅ Confirm")
                await ann.wait_for_text(KEY)
                # Within 2 seconds of the sale (the watcher polls every 0.5 s).
                with trio.fail_after(2):
                    # A shop event is a default ("message") event, its kind in its data.
                    while '"kind":"purchase"' not in (data := await anext(lines)):
                        pass
            assert "user 1001 bought 1 × Live Game" in data and '"amount":"10.00"' in data and KEY not in data
            page = (await client.get("/events?kind=purchase")).text
            assert "user 1001 bought 1 × Live Game" in page and "10.00" in page and KEY not in page


async def test_stopping_with_an_open_stream_does_not_wait_for_it(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        async with web_client(shop) as client:
            await sign_in_owner(shop, client)
            async with client.stream("GET", "/live") as stream:
                lines = stream.aiter_lines()
                assert await anext(lines) == ": live"
                began = trio.current_time()
                shop.stop.set()
                # The stream ends (closed, or cut as the shop cancels what is left) rather than
                # holding the server for graceful_timeout.
                with trio.fail_after(4):
                    try:
                        async for _ in lines:
                            pass
                    except httpx.RemoteProtocolError:
                        pass
                ended = trio.current_time() - began
    stopped = trio.current_time() - began
    # web.graceful_timeout is 5 s by default.
    assert ended < 1.5 and stopped < 2.5, (ended, stopped)


async def test_the_web_server_ends_open_streams_when_it_stops(sqlite_url: str) -> None:
    settings = WebSettings(port=0, graceful_timeout=5.0)
    async with open_store(StorageSettings(database_url=sqlite_url)) as store:
        await store.register_user(OWNER_ID, username=None, first_name="Owner", language_code="en", owner_id=OWNER_ID)
        app = create_app(lambda: HealthReport(components={}), Auth(store, settings, OWNER_ID))
        stopping = trio.Event()
        async with trio.open_nursery() as nursery:
            [address, *_] = await nursery.start(serve_web, app, settings, stopping.wait)
            async with httpx.AsyncClient(base_url=address, timeout=10) as client:
                issued = await store.issue_sign_in(OWNER_ID, owner_id=OWNER_ID, actor_id=OWNER_ID)
                assert isinstance(issued, SignInLink)
                await client.post(f"/sign-in/{issued.token}")
                async with client.stream("GET", "/live") as stream:
                    lines = stream.aiter_lines()
                    assert await anext(lines) == ": live"
                    began = trio.current_time()
                    stopping.set()
                    # The stream's body ends properly: the server was let finish, and did at once.
                    with trio.fail_after(4):
                        rest = [line async for line in lines]
                    assert rest == ["retry: 3000", ""]
        # serve_web returned by itself, well within graceful_timeout.
        assert trio.current_time() - began < 1.5
