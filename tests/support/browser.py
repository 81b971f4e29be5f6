"""A real browser for the web app's tests: Debian's `chromium`, driven by Playwright's sync API through
`executable_path` (Playwright has no trio support, and cannot download its own browser here).

The browser is found at SHOPKEEPER_TEST_CHROMIUM or on PATH; where it is missing and this process may
install Debian packages (root, apt-get present), the set-up installs `chromium` once. A browser still
missing skips its tests with the reason, except under CI=true, where they fail.

The shop runs as `shopkeeper sandbox` in a subprocess (`SandboxShop`): the browser reaches it over
HTTP exactly as a newcomer's would, at the addresses its banner prints.
"""

import asyncio
import os
import re
import shlex
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.support.processes import SHOPKEEPER, environment, free_port
from tests.support.servers import missing_service

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
INSTALL_TIMEOUT = 900
START_TIMEOUT = 60


def chromium_path() -> str:
    """The browser to drive, installing Debian's `chromium` if allowed; skips (fails under CI) without one."""
    found = _find()
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "timeout": INSTALL_TIMEOUT}
        subprocess.run(["apt-get", "update", "-qq"], check=False, **quiet)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        done = subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False, env=env, **quiet)
        found = _find()
        if found is None:
            missing_service("Chromium (apt-get install chromium failed)", RuntimeError(done.stderr.decode()[-300:]))
    if found is None:
        missing_service("Chromium", FileNotFoundError("install Debian's chromium, or set SHOPKEEPER_TEST_CHROMIUM"))
    assert found is not None
    return found


def _find() -> str | None:
    given = os.environ.get("SHOPKEEPER_TEST_CHROMIUM")
    if given:
        return given if Path(given).exists() else None
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


@contextmanager
def playwright() -> Iterator[Playwright]:
    """Playwright's sync API on a plain asyncio loop. The shop's trio-asyncio bridge, imported by the
    tests, installs its own loop policy for the whole process; Playwright's loop must not be one of
    its loops, so the stock policy is in force while Playwright makes it."""
    ours = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())
    try:
        manager = sync_playwright()
        started = manager.start()
    finally:
        asyncio.set_event_loop_policy(ours)
    try:
        yield started
    finally:
        manager.__exit__(None, None, None)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Chromium, closed at the end."""
    with playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium_path(), headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class SandboxShop:
    """`shopkeeper sandbox` running in a subprocess: its addresses, the owner's sign-in link, its output."""

    process: subprocess.Popen[str]
    web: str
    emulator: str
    cryptopay: str
    directory: Path
    sign_in: str = ""
    output: list[str] = field(default_factory=list)

    def operator(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `shopkeeper ARGS` on the sandbox's database, as the banner's `web link` line says to."""
        line = next(line for line in self.output if line.strip().startswith("another one"))
        words = shlex.split(line.split(":", 1)[1].removesuffix("web link\n").strip())
        settings = dict(word.split("=", 1) for word in words if re.match(r"^[A-Z_]+=", word))
        program = [word for word in words if not re.match(r"^[A-Z_]+=", word)]
        return subprocess.run(
            [*program, *args], cwd=self.directory, capture_output=True, text=True, timeout=60, env=environment(**settings)
        )

    def new_sign_in(self) -> str:
        """Another sign-in link for the owner (the banner's `web link` command)."""
        done = self.operator("web", "link")
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]


@contextmanager
def sandbox_shop(directory: Path) -> Iterator[SandboxShop]:
    """Start the sandbox in `directory` on free ports, wait for its banner, stop it at the end."""
    web, emulator, cryptopay = free_port(), free_port(), free_port()
    process = subprocess.Popen(
        [SHOPKEEPER, "sandbox", "--emulator-port", str(emulator), "--cryptopay-port", str(cryptopay)],
        cwd=directory,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment(SHOPKEEPER_WEB_PORT=str(web)),
    )
    shop = SandboxShop(
        process, f"http://127.0.0.1:{web}", f"http://127.0.0.1:{emulator}", f"http://127.0.0.1:{cryptopay}", directory
    )
    # Read its output on a thread for the whole run, so a full pipe never stalls the shop.
    reader = threading.Thread(target=lambda: shop.output.extend(iter(process.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not shop.sign_in:
            assert process.poll() is None, "the sandbox stopped:\n" + "".join(shop.output)
            assert time.monotonic() < deadline, "no banner within a minute:\n" + "".join(shop.output)
            found = next((m for line in list(shop.output) if (m := re.search(r"Web app:\s+(\S+)", line))), None)
            shop.sign_in = found.group(1) if found else ""
            time.sleep(0.1)
        assert httpx.get(f"{shop.web}/health", timeout=5).status_code == 200
        yield shop
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)
