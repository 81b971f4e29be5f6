"""The web app in a real browser (headless Chromium through Playwright), against `shopkeeper sandbox`
in a subprocess, reached at the addresses its banner prints — as a newcomer after `make run` would."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.support.browser import SandboxShop, chromium, sandbox_shop

PAGES = ["/"]
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
