"""Issue 14's "done when", in a real browser: a newcomer starts the sandbox, opens the chat address it
prints, buys a key by pressing the bot's buttons, opens the owner's printed sign-in link and sees that
purchase on the dashboard; with the dashboard open, a purchase made through the emulator shows there
without a reload."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import SandboxShop, chromium, sandbox_shop
from tests.support.demo import buy_a_key

ANSWER_MS = 15_000


@pytest.fixture
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxShop]:
    with sandbox_shop(tmp_path_factory.mktemp("newcomer")) as running:
        yield running


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


def printed(shop: SandboxShop, label: str) -> str:
    """The address the banner prints after `label`."""
    found = re.search(rf"{label}\s+(\S+)", "".join(shop.output))
    assert found, "".join(shop.output)
    return found.group(1)


def kpi(page: Page, name: str) -> str:
    return page.locator(f"#dashboard-live [data-kpi={name}]").inner_text()


def test_a_newcomer_buys_in_the_browser_chat_and_sees_it_on_the_dashboard(shop: SandboxShop, browser: Browser) -> None:
    buyer = browser.new_context().new_page()
    buyer.set_default_timeout(ANSWER_MS)
    buyer.goto(printed(shop, "Try the shop:"))
    buyer.get_by_placeholder("Message or /command").fill("/start")
    buyer.keyboard.press("Enter")
    for label in ("🛍 Shop", "Game keys (2)", "Starfall Odyssey · 10.00 USD", "Buy", "1", "⭐ Pay with Stars: 500", "Pay 500 ⭐"):
        buyer.locator("#chat").get_by_role("button", name=label, exact=True).last.click()
    expect(buyer.locator("#chat")).to_contain_text("STAODY-DEMO-", timeout=ANSWER_MS)

    owner = browser.new_context().new_page()
    owner.goto(printed(shop, "Web app:"))
    owner.get_by_role("button", name="Sign in").click()
    owner.get_by_role("navigation").get_by_role("link", name="Dashboard", exact=True).click()
    owner.get_by_role("link", name="Today").click()
    assert kpi(owner, "purchases") == "1" and kpi(owner, "revenue") == "10.00"
    assert "Starfall Odyssey" in owner.locator("#dashboard-live").inner_text()

    # With the dashboard open, another buyer's purchase (through the emulator) arrives over the live stream.
    owner.wait_for_selector("html[data-live=open]", state="attached")
    owner.evaluate("window.sameDocument = true")  # gone if the page ever reloads
    buy_a_key(shop, 2001, "Ann")
    expect(owner.locator("#dashboard-live [data-kpi=purchases]")).to_have_text("2", timeout=15_000)
    assert kpi(owner, "revenue") == "20.00"
    assert owner.evaluate("window.sameDocument") is True
