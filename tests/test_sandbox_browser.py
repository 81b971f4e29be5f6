"""The sandbox's chat page in a real browser (headless Chromium through Playwright), against
`shopkeeper sandbox` in a subprocess, opened at the address its banner prints: a newcomer buys a key
by typing and pressing, and switches between the simulated buyers and the owner, the page never
reloading (the bot's answers arrive over the page's event stream)."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import SandboxShop, chromium, sandbox_shop

# The bot answers within a second or so; a slow machine running other tests gets more.
ANSWER_MS = 15_000


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxShop]:
    with sandbox_shop(tmp_path_factory.mktemp("sandbox-chat")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


def phone(browser: Browser) -> Page:
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.set_default_timeout(ANSWER_MS)
    return page


def press(page: Page, label: str) -> None:
    """Press the chat's newest button labelled exactly `label`, once the bot has drawn it."""
    page.locator("#chat").get_by_role("button", name=label, exact=True).last.click()


def chat_text(page: Page) -> str:
    return page.locator("#chat").inner_text()


def test_the_banner_names_the_chat_page(shop: SandboxShop) -> None:
    banner = "".join(shop.output)
    assert f"Try the shop: {shop.web}/sandbox " in banner
    assert banner.index("Try the shop:") < banner.index("Web app:")


def test_a_buyer_buys_a_key_with_stars_by_typing_and_pressing(shop: SandboxShop, browser: Browser) -> None:
    page = phone(browser)
    page.goto(f"{shop.web}/sandbox")
    assert page.url == f"{shop.web}/sandbox/1001"
    page.evaluate("window.sameDocument = true")  # gone if the page ever reloads
    page.get_by_placeholder("Message or /command").fill("/start")
    page.keyboard.press("Enter")
    expect(page.locator("#chat")).to_contain_text("Welcome to Shopkeeper, Ann!", timeout=ANSWER_MS)
    for label in ("🛍 Shop", "Game keys (2)", "Starfall Odyssey · 10.00 USD", "Buy", "1", "⭐ Pay with Stars: 500"):
        press(page, label)
    press(page, "Pay 500 ⭐")  # the invoice's own button: Telegram's pay sheet, played by the emulator
    expect(page.locator("#chat")).to_contain_text("STAODY-DEMO-", timeout=ANSWER_MS)
    assert re.search(r"Purchase complete: Starfall Odyssey × 1 for 10.00 USD", chat_text(page))
    expect(page.locator("#stars")).to_have_text("9500")
    assert page.evaluate("window.sameDocument") is True


def test_each_buyer_and_the_owner_has_a_chat_of_their_own(shop: SandboxShop, browser: Browser) -> None:
    page = phone(browser)
    page.goto(f"{shop.web}/sandbox/1002")
    page.get_by_role("link", name=re.compile("^Cleo")).click()
    assert page.url == f"{shop.web}/sandbox/1003"
    expect(page.locator("#chat-empty")).to_be_visible()
    page.get_by_placeholder("Message or /command").fill("/start")
    page.keyboard.press("Enter")
    expect(page.locator("#chat")).to_contain_text("Welcome to Shopkeeper, Cleo!", timeout=ANSWER_MS)

    page.get_by_role("link", name=re.compile("^Ben")).click()
    expect(page.locator("#chat-empty")).to_be_visible()
    assert "Cleo" not in chat_text(page)

    page.get_by_role("link", name=re.compile("^Owner")).click()
    page.get_by_placeholder("Message or /command").fill("/start")
    page.keyboard.press("Enter")
    expect(page.locator("#chat").get_by_role("button", name="🛠 Admin", exact=True)).to_be_visible(timeout=ANSWER_MS)

    page.get_by_role("link", name=re.compile("^Cleo")).click()
    expect(page.locator("#chat")).to_contain_text("Welcome to Shopkeeper, Cleo!")
    assert "🛠 Admin" not in chat_text(page)
