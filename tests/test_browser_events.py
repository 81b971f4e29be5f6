"""/events in a real browser (headless Chromium driven by Playwright's sync API; the sandbox shop in a
subprocess): signed in with the printed owner link, the page shows a buyer's payment made through the
emulator without a reload, through /live and live.js. With CI=true a missing browser fails the run;
elsewhere the test skips and says why."""

import asyncio
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.processes import SHOPKEEPER, environment, free_port

CHROMIUM = "/usr/bin/chromium"


def browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    return None if Path(CHROMIUM).exists() else f"no Chromium at {CHROMIUM} (apt-get install chromium)"


@pytest.fixture
def plain_asyncio() -> Iterator[None]:
    """asyncio's own event loops for the test: trio_asyncio, imported by the shop's code in this
    process, sets its policy process-wide, and Playwright's sync API cannot run on its loops."""
    policy = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())
    try:
        yield
    finally:
        asyncio.set_event_loop_policy(policy)


@pytest.mark.usefixtures("plain_asyncio")
def test_a_payment_in_the_chat_shows_on_the_open_events_page(tmp_path: Path) -> None:
    missing = browser_missing()
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    from playwright.sync_api import expect, sync_playwright

    web, emulator = free_port(), free_port()
    process = subprocess.Popen(
        [SHOPKEEPER, "sandbox", "--emulator-port", str(emulator), "--cryptopay-port", str(free_port())],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(SHOPKEEPER_WEB_PORT=str(web)),
    )
    try:
        link = owner_link(process)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
            )
            page = browser.new_page()
            page.goto(link)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"http://127.0.0.1:{web}/")
            page.goto(f"http://127.0.0.1:{web}/events")
            # The stream is open before anything happens (its first line opens it at once).
            page.wait_for_selector("html[data-live=open]", state="attached")
            loaded_at = page.evaluate("() => performance.timeOrigin")
            rows = page.locator("#live-events tr")
            before = rows.count()
            pay_stars(f"http://127.0.0.1:{emulator}/_emulator", 1001)
            expect(page.locator("#live-events tr").first).to_contain_text("user 1001 paid by stars", timeout=5000)
            assert rows.count() > before
            # No reload: the same document.
            assert page.evaluate("() => performance.timeOrigin") == loaded_at
            browser.close()
    finally:
        process.terminate()
        process.communicate(timeout=30)


def owner_link(process: subprocess.Popen[str]) -> str:
    """The owner's sign-in link from the sandbox's banner."""
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if found := re.search(r"http://\S+/sign-in/\S+", line):
            return found.group(0)
    raise AssertionError(f"no sign-in link in the sandbox's output: {process.stderr.read() if process.stderr else ''}")


def pay_stars(emulator: str, user_id: int) -> None:
    """`user_id` tops up 10.00 USD with Telegram Stars, pressing the chat's buttons through the emulator."""
    with httpx.Client(timeout=10) as client:

        def shows(text: str) -> None:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                messages = client.get(f"{emulator}/chats/{user_id}/transcript").json()
                if any(text in (m.get("text") or "") for m in messages):
                    return
                time.sleep(0.1)
            raise AssertionError(f"the chat never showed {text!r}")

        client.post(f"{emulator}/users/{user_id}/send", json={"text": "/start", "first_name": "Ann"})
        shows("Welcome")
        for label in ("👤 Profile", "💳 Top up", "10.00 USD", "⭐ Telegram Stars (500 ⭐)"):
            client.post(f"{emulator}/users/{user_id}/press", json={"label": label})
            time.sleep(0.3)
        assert client.post(f"{emulator}/users/{user_id}/pay", json={}).json()["status"] == "paid"
        shows("Payment received: 10.00 USD")
