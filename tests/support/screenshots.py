"""`make screenshots`: PNGs of the web app's main pages, with demo sales, for README.

Runs `shopkeeper sandbox` in a temporary directory (its own database, so a sandbox of yours is not
touched), makes a few sales through the emulator as buyers would, signs the owner in with the link the
banner prints, and photographs each page at desktop width, and the dashboard at phone width, into
docs/screenshots/ (or the directory given). Emoji need a colour emoji font (Debian's
fonts-noto-color-emoji); without one they show as empty boxes.
"""

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page

from tests.support.browser import chromium, sandbox_shop
from tests.support.demo import buy_a_key, demo_sales

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# (file name, path, viewport)
SHOTS = [
    ("overview", "/", DESKTOP),
    ("dashboard", "/dashboard?period=7d", DESKTOP),
    ("dashboard-phone", "/dashboard?period=7d", PHONE),
    ("events", "/events", DESKTOP),
    ("performance", "/performance", DESKTOP),
    ("errors", "/errors", DESKTOP),
]


def main(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as directory, sandbox_shop(Path(directory)) as shop, chromium() as browser:
        demo_sales(shop)
        context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
        page = context.new_page()
        page.goto(shop.sign_in)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{shop.web}/")
        for name, path, viewport in SHOTS:
            _shoot(page, f"{shop.web}{path}", viewport, target / f"{name}.png")
        # The sandbox chat of a buyer who has just bought a key, as the newcomer sees it.
        buy_a_key(shop, 1001, "Ann")
        _shoot(page, f"{shop.web}/sandbox", DESKTOP, target / "sandbox.png")
        context.close()


def _shoot(page: Page, url: str, viewport: dict[str, int], path: Path) -> None:
    page.set_viewport_size(viewport)  # type: ignore[arg-type]
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: {response.status if response else 'no answer'}"
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(path), full_page=True)
    print(path)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
