"""The web app in a real browser (headless Chromium through Playwright), against `shopkeeper sandbox`
in a subprocess, reached at the addresses its banner prints — as a newcomer after `make run` would."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import trio
from playwright.sync_api import Browser, expect

from storage import StorageSettings, open_store
from tests.support.browser import SandboxShop, chromium, sandbox_shop
from tests.support.demo import pay_stars

PAGES = ["/", "/events", "/performance", "/errors"]
# Read by programs, not people: refused without a page.
READINGS = ["/metrics", "/metrics/prometheus"]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxShop]:
    with sandbox_shop(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


def test_the_printed_link_signs_the_owner_in_once(shop: SandboxShop, browser: Browser) -> None:
    link = shop.new_sign_in()
    owner = browser.new_context()
    page = owner.new_page()
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{shop.web}/")
    assert "Signed in as Owner (the owner)" in page.inner_text("main")

    # The same link in another browser: already spent.
    other = browser.new_context().new_page()
    other.goto(link)
    other.get_by_role("button", name="Sign in").click()
    assert "This sign-in link does not work" in other.inner_text("main")
    owner.close()


def test_a_buyer_reaches_no_page(shop: SandboxShop, browser: Browser) -> None:
    refused = shop.operator("web", "link", "--user", "1001")
    assert refused.returncode != 0 and "not staff" in refused.stderr
    page = browser.new_context().new_page()
    for path in PAGES:
        response = page.goto(f"{shop.web}{path}")
        assert response is not None and response.status == 401, path
        assert "Sign in first" in page.inner_text("main"), path
    for path in READINGS:
        response = page.goto(f"{shop.web}{path}")
        assert response is not None and response.status == 401, path


def test_a_payment_in_the_chat_shows_on_the_open_events_page(shop: SandboxShop, browser: Browser) -> None:
    page = browser.new_context().new_page()
    page.goto(shop.new_sign_in())
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{shop.web}/events")
    # The stream is open before anything happens (its first line opens it at once).
    page.wait_for_selector("html[data-live=open]", state="attached")
    loaded_at = page.evaluate("() => performance.timeOrigin")
    pay_stars(shop, 1005, "Eve")
    expect(page.locator("#live-events tr").first).to_contain_text("user 1005 paid by stars", timeout=15_000)
    # No reload: the same document.
    assert page.evaluate("() => performance.timeOrigin") == loaded_at


def test_a_crash_shows_on_the_open_dashboard(shop: SandboxShop, browser: Browser) -> None:
    page = browser.new_context().new_page()
    page.goto(shop.new_sign_in())
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{shop.web}/dashboard")
    page.wait_for_selector("html[data-live=open]", state="attached")
    # What the supervisor writes when an actor crashes, written here by another process on the same
    # database, as a second shop process would: every process's dashboards see it.
    trio.run(record_crash, shop.directory / "data" / "sandbox" / "sandbox.db")
    expect(page.locator("#live-alerts")).to_contain_text("poller crashed: Unauthorized", timeout=15_000)


async def record_crash(database: Path) -> None:
    async with open_store(StorageSettings(database_url=f"sqlite://{database}")) as store:
        await store.record_crash("poller", "Unauthorized: getUpdates: 401 Unauthorized")
