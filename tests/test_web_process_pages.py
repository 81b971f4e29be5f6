"""The process pages (/performance, /errors) and the overview's status block: staff only, figures of
this process that move with real work (updates answered through the emulator, an error logged, an
actor that crashed), each page naming its process, and no secret on any of them."""

import html
import logging
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import trio
from prometheus_client import CollectorRegistry, Histogram
from quart_trio import QuartTrio

from actors.config import secret_values
from storage import SignInLink, StorageSettings, Store, open_store
from telegram.emulator import Fault
from tests.support import web
from tests.support.shop import OWNER_ID, TOKEN, RunningShop, open_shop, shop_settings
from tests.support.waiting import until_idle
from webui import ErrorBook, open_error_book
from webui.error_book import MESSAGE_MAX, TRACEBACK_MAX
from webui.sampler import ANSWER_SECONDS, Sampler

OWNER = 1
ANN = 1001
PAGES = ("/", "/performance", "/errors")


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=sqlite_url)) as opened:
        for user_id in (OWNER, ANN):
            await opened.register_user(
                user_id, username=None, first_name=f"u{user_id}", language_code="en", owner_id=OWNER, referrer_id=None
            )
        await opened.grant_admin(ANN, ["stock"], actor_id=OWNER)
        yield opened


def app_for(store: Store, *, book: ErrorBook | None = None, sampler: Sampler | None = None) -> QuartTrio:
    return web.app_for(store, OWNER, errors_seen=book, sampler=sampler)


async def sign_in_path(store: Store, user_id: int) -> str:
    return await web.sign_in_path(store, user_id, OWNER)


def card(page: str, label: str) -> str:
    """The value of the page's card named `label`."""
    found = re.search(rf'<div class="label">{re.escape(label)}</div><div class="value">([^<]*)</div>', page)
    assert found, f"no card {label!r}"
    return found.group(1)


async def test_the_process_pages_are_for_staff_and_name_their_process(store: Store) -> None:
    client = app_for(store).test_client()
    for path in PAGES:
        response = await client.get(path)
        assert response.status_code == 401 and "/web" in await response.get_data(as_text=True)
    await client.post(await sign_in_path(store, ANN))
    for path in PAGES:
        response = await client.get(path)
        page = await response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert f"{os.getpid()}" in page and 'aria-current="page"' in page, path


async def test_an_error_shows_by_kind_with_its_count_and_nothing_secret(store: Store) -> None:
    secret_url = f"https://api.telegram.org/bot{TOKEN}/sendMessage"
    with open_error_book([TOKEN, "provider-secret-value"]) as book:
        log = logging.getLogger("tests.process_pages")
        for attempt in range(3):
            try:
                raise RuntimeError(f"could not reach {secret_url} with provider-secret-value (attempt {attempt})")
            except RuntimeError:
                log.exception("sending failed for a session shopkeeper_session=abcdefgh and /sign-in/link-token")
        log.error("a plain error naming %s", TOKEN)
    logging.getLogger("tests.process_pages").error("after the book closed")
    client = app_for(store, book=book).test_client()
    await client.post(await sign_in_path(store, OWNER))
    page = html.unescape(await (await client.get("/errors")).get_data(as_text=True))
    assert "2 kinds of error" in page
    # Where: the frame that raised (the innermost of the shop's own code, when there is one of it).
    assert "RuntimeError at test_web_process_pages:" in page and "3 ×" in page
    assert "tests.process_pages: a plain error naming %s" in page and "1 ×" in page
    assert "RuntimeError: could not reach https://api.telegram.org/bot****/sendMessage with **** (attempt 2)" in page
    assert "shopkeeper_session=<token>" in page and "/sign-in/<token>" in page
    for secret in (TOKEN, "test-token", "provider-secret-value", "abcdefgh", "link-token"):
        assert secret not in page
    assert "after the book closed" not in page


async def test_the_chart_shows_the_last_samples_as_svg_of_our_own(store: Store, autojump_clock: trio.testing.MockClock) -> None:
    registry = CollectorRegistry()
    answered = Histogram(ANSWER_SECONDS, "test", buckets=(0.001, 0.01, 0.1, 1), registry=registry)
    sampler = Sampler(registry, every=10)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(sampler.run)
        await trio.sleep(0.5)  # one update each second, half-way between two ticks of the sampler's
        for second in range(30):
            answered.observe(0.005 if second < 20 else 0.5)
            await trio.sleep(1)
        sampler.stop()
    # Samples at 0, 10, 20 and 30 s: three intervals of ten updates each.
    assert [sample.per_second for sample in sampler.samples] == pytest.approx([1.0, 1.0, 1.0])
    assert [sample.p50 for sample in sampler.samples] == pytest.approx([0.0055, 0.0055, 0.55])
    client = app_for(store, sampler=sampler).test_client()
    await client.post(await sign_in_path(store, OWNER))
    page = await (await client.get("/performance")).get_data(as_text=True)
    charts = re.findall(r"<svg.*?</svg>", page, flags=re.DOTALL)
    assert len(charts) == 2 and not any("<script" in chart for chart in charts)
    # The page's only script is our own, served by the app.
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/live.js" defer>']
    assert not re.search(r"(?:src|href)=\"https?:", page), "the page loads nothing from elsewhere"
    assert card(page, "Updates answered") == "30"


@asynccontextmanager
async def owner_client(shop: RunningShop) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the running shop's web server, signed in as the owner."""
    await shop.store.register_user(
        OWNER_ID, username=None, first_name="Owner", language_code="en", owner_id=OWNER_ID, referrer_id=None
    )
    async with httpx.AsyncClient(base_url=shop.running.web_binds[0]) as client:
        issued = await shop.store.issue_sign_in(OWNER_ID, owner_id=OWNER_ID, actor_id=OWNER_ID)
        assert isinstance(issued, SignInLink)
        assert (await client.post(f"/sign-in/{issued.token}")).status_code == 303
        yield client


async def test_updates_answered_through_the_emulator_show_on_the_performance_page(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        async with owner_client(shop) as client:
            before = int(card((await client.get("/performance")).text, "Updates answered").replace(",", ""))
            buyers = [shop.emu.user(2000 + n, first_name=f"B{n}") for n in range(3)]
            for buyer in buyers:
                await buyer.send_text("/start")
            for buyer in buyers:
                await buyer.wait_for_text("Welcome", timeout=10)
            await until_idle(shop)
            page = (await client.get("/performance")).text
    assert int(card(page, "Updates answered").replace(",", "")) == before + 3
    assert card(page, "Update to answer, p50") != "—"
    assert "<td>sendMessage</td>" in page and "<td>register_user</td>" in page
    assert TOKEN not in page


async def test_a_crashed_actor_shows_crashed_with_its_reason_and_its_error(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        # Telegram refuses the token: the poller crashes, and keeps crashing as it is restarted.
        shop.emu.faults.inject(Fault(method="getUpdates", kind="unauthorized", times=10_000))
        async with owner_client(shop) as client:

            async def poller_crashed() -> str:
                page = html.unescape((await client.get("/")).text)
                return page if '<td>poller</td><td><span class="bad">crashed</span>: Unauthorized' in page else ""

            page = ""
            with trio.move_on_after(15):
                while not (page := await poller_crashed()):
                    await trio.sleep(0.1)
            assert page, "the overview never showed the poller crashed"
            assert '<td>purchases</td><td><span class="good">running</span>' in page
            assert "Maintenance" in page and "polling" in page and f"{os.getpid()}" in page
            errors = html.unescape((await client.get("/errors")).text)
            health = (await client.get("/health")).json()
    # The public /health names the crash's type alone; the signed-in overview (above) tells its reason.
    assert health["components"]["actor:poller"] == {"ok": False, "detail": "Unauthorized"}
    assert "telegram.errors.Unauthorized at " in errors and "actor poller crashed" in errors
    assert TOKEN not in errors and TOKEN not in page


def test_the_error_book_is_told_every_secret_of_the_configuration() -> None:
    settings = shop_settings(
        "postgres://shop:db-password-1@db:5432/shop",
        payments={"provider_token": "provider:TEST:secret-1", "cryptopay_token": "12345:crypto-secret"},
        storage={"redis_url": "redis://cache:6379/0", "stock_key": "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80="},
    )
    # Of a URL, the password alone (a Redis URL without one is no secret); every token and key whole.
    assert sorted(secret_values(settings)) == sorted(
        [TOKEN, "db-password-1", "provider:TEST:secret-1", "12345:crypto-secret", "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80="]
    )


def test_a_secret_across_a_cut_is_masked_whole_before_the_text_is_cut() -> None:
    secret = "provider-secret-value"
    # The message is cut to MESSAGE_MAX, the traceback keeps its last TRACEBACK_MAX characters: the
    # secret straddles each cut, so only masking before cutting leaves neither its head nor its tail.
    message = "m" * (MESSAGE_MAX - 10) + secret
    after = "t" * (TRACEBACK_MAX - 5)
    with open_error_book([secret]) as book:
        log = logging.getLogger("tests.process_pages.cuts")
        log.error("%s", message)
        try:
            raise RuntimeError(secret + after)
        except RuntimeError:
            log.exception("failed")
    cut_message, cut_trace = sorted(book.kinds(), key=lambda kind: kind.traceback != "")
    assert cut_message.message == "m" * (MESSAGE_MAX - 10) + "****"
    assert cut_trace.traceback.startswith("…") and cut_trace.traceback.endswith("****" + after)
    for kind in (cut_message, cut_trace):
        assert secret[:6] not in kind.message + kind.traceback and secret[-6:] not in kind.message + kind.traceback

