"""The shop as a process of its own: the `shopkeeper` command run to its end or as a server, its
config file, free ports, and waiting for its /health."""

import os
import random
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import trio

from tests.support.servers import REDIS_URL

SHOPKEEPER = str(Path(sys.executable).parent / "shopkeeper")
# A bot token and a stock key the tests look for in output and logs (they must never appear there).
SECRET = "987654:SuperSecretTokenValue"
STOCK_KEY = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80="
# The bearer token of /metrics/prometheus for processes started with SHOPKEEPER_WEB_METRICS_TOKEN set to it.
METRICS_TOKEN = "scrape"
HELD = re.compile(r'^shopkeeper_singleton_held\{singleton="(\w+)"\} 1\.0$', re.MULTILINE)


# Ports handed out by free_port in this run: a port is given once, so three asked in a row are three.
_GIVEN: set[int] = set()


def free_port() -> int:
    """A port nobody listens on, below Linux's ephemeral range (32768 and up) so no outgoing connection
    of this run takes it as its source port between this answer and the server's bind (CI saw a sandbox
    fail with "Address already in use" when ports came from the kernel's port 0)."""
    while True:
        port = random.randrange(20000, 32768)
        if port in _GIVEN:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _GIVEN.add(port)
        return port


def environment(**extra: str) -> dict[str, str]:
    """This process's environment without any SHOPKEEPER_ setting, plus `extra`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHOPKEEPER_")}
    return {**clean, **extra}


def shopkeeper(*args: str, cwd: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    """Run `shopkeeper ARGS` in `cwd` to its end, with `env` as its only SHOPKEEPER_ settings."""
    return subprocess.run(
        [SHOPKEEPER, *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=60, env=environment(**env)
    )


def write_config(path: Path, extra: str = "", token: str = SECRET) -> Path:
    """A config file at `path`: the bot `token`, owner 42, `extra` sections, a SQLite database beside it."""
    path.write_text(
        f'[telegram]\ntoken = "{token}"\nowner_id = 42\n{extra}\n[storage]\ndatabase_url = "sqlite://{path.parent}/shop.db"\n'
    )
    return path


def shop_of_several(
    cwd: Path, *, token: str, emulator: int, database_url: str, web: int, lease_seconds: int, **settings: str
) -> subprocess.Popen[str]:
    """`shopkeeper run` in `cwd` as one of several processes of one shop: bot `token` (owner 1) on the
    emulator at port `emulator`, `database_url` and the test Redis, the singletons' leases of
    `lease_seconds`, its web app on port `web` with /metrics/prometheus readable with METRICS_TOKEN;
    `settings` adds SHOPKEEPER_ variables."""
    env = environment(
        SHOPKEEPER_TELEGRAM_TOKEN=token,
        SHOPKEEPER_TELEGRAM_OWNER_ID="1",
        SHOPKEEPER_TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{emulator}",
        SHOPKEEPER_STORAGE_DATABASE_URL=database_url,
        SHOPKEEPER_STORAGE_REDIS_URL=REDIS_URL,
        SHOPKEEPER_STORAGE_STOCK_KEY=STOCK_KEY,
        SHOPKEEPER_STORAGE_LEASE_SECONDS=str(lease_seconds),
        SHOPKEEPER_WEB_PORT=str(web),
        SHOPKEEPER_WEB_METRICS_TOKEN=METRICS_TOKEN,
        **settings,
    )
    return subprocess.Popen([SHOPKEEPER, "run"], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


async def wait_healthy(client: httpx.AsyncClient, url: str, timeout: float) -> dict:
    with trio.move_on_after(timeout):
        while True:
            try:
                response = await client.get(url)
                if response.status_code == 200:
                    return response.json()
            except httpx.TransportError:
                pass
            await trio.sleep(0.2)
    raise AssertionError(f"{url} did not answer 200 within {timeout} s")


async def stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    """SIGTERM, then its output once it has ended (with exit status 0)."""
    process.send_signal(signal.SIGTERM)
    out, err = await trio.to_thread.run_sync(lambda: process.communicate(timeout=30))
    assert process.returncode == 0, err
    return out, err


async def held(client: httpx.AsyncClient, web: int) -> set[str]:
    """The singletons the process whose web app is on port `web` says it holds (its Prometheus
    metrics, read with METRICS_TOKEN); an unreachable process holds nothing."""
    try:
        response = await client.get(
            f"http://127.0.0.1:{web}/metrics/prometheus", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
    except httpx.TransportError:
        return set()
    return set(HELD.findall(response.text))
