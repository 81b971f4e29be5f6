"""The shop as a real process beside the Bot API emulator, for the benches that measure it that way.

This process is Telegram: it serves an `Emulator` over HTTP on loopback (`serve_emulator`). The shop is
`shopkeeper run` in its own process, reaching the emulator only through
SHOPKEEPER_TELEGRAM_API_BASE_URL, as it would reach Telegram, with its settings in its environment (the
caller's SHOPKEEPER_* variables left out) and its log in a file of the bench's working directory.
"""

import base64
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import httpx
import trio

from telegram.emulator import Emulator, serve_emulator

TOKEN = "100000:bench-token"
OWNER_ID = 1
# The users the benches make start from here, clear of the owner.
FIRST_USER = 10_001
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
# The shop's log records start with a date (actors/cli's format); tracebacks continue them.
LOG_RECORD = re.compile(r"^(?=\d{4}-\d\d-\d\d )", re.MULTILINE)
COMPLAINTS = (["WARNING"], ["ERROR"], ["CRITICAL"])


class BrokenRun(Exception):
    """The run measured nothing worth printing; the message says why."""


def new_stock_key() -> str:
    """A fresh stock key, handed to the shop and to the bench's own store alike (a key file would be
    looked for relative to each process's working directory)."""
    return base64.b64encode(os.urandom(32)).decode()


def free_port() -> int:
    """A TCP port free on loopback just now (for the shop's web server, whose port the bench must know)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def shop_command() -> list[str]:
    """`shopkeeper run` of this environment."""
    return [str(Path(sys.executable).parent / "shopkeeper"), "run"]


def shop_environment(api_port: int, database_url: str, stock_key: str, extra: Mapping[str, str]) -> dict[str, str]:
    """This environment without SHOPKEEPER_* variables, plus the bench shop's settings and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPKEEPER_")}
    env.update(
        SHOPKEEPER_TELEGRAM_TOKEN=TOKEN,
        SHOPKEEPER_TELEGRAM_OWNER_ID=str(OWNER_ID),
        SHOPKEEPER_TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{api_port}",
        SHOPKEEPER_STORAGE_DATABASE_URL=database_url,
        SHOPKEEPER_STORAGE_STOCK_KEY=stock_key,
        SHOPKEEPER_WEB_PORT="0",
    )
    env.update(extra)
    return env


@dataclass
class ShopProcess:
    """A started `shopkeeper run`; `started_at` is trio's clock just before it was started."""

    process: trio.Process
    log_path: Path
    started_at: float

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 15) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def complaints(self) -> list[str]:
        """The shop's log records at WARNING and above, each with its traceback."""
        records = LOG_RECORD.split(self.log_path.read_text(errors="replace"))
        return [record for record in records if record.split(" ", 3)[2:3] in COMPLAINTS]

    async def watch(self) -> NoReturn:
        """Raise BrokenRun, with the end of the shop's log, as soon as the shop exits."""
        await self.process.wait()
        raise BrokenRun(f"the shop exited with code {self.process.returncode}:\n{self.log_tail()}")


@asynccontextmanager
async def open_shop_process(
    emu: Emulator,
    database_url: str,
    workdir: Path,
    *,
    stock_key: str,
    env: Mapping[str, str] | None = None,
    command: Sequence[str] | None = None,
    before_stop: Callable[[], None] | None = None,
) -> AsyncIterator[ShopProcess]:
    """Serve `emu` on loopback and start the shop against it (its log: workdir/shop.log) for the block.

    `env` adds to or overrides the shop's settings (SHOPKEEPER_* variables; the web server's port is 0
    unless it says otherwise); `command` replaces `shopkeeper run` (e.g. under a profiler).
    Resource handling: on leaving the block the shop gets SIGTERM (after `before_stop`, when it is still
    running) and STOP_TIMEOUT seconds to stop, then SIGKILL; the emulator stops after it.
    """
    log_path = workdir / "shop.log"
    async with trio.open_nursery() as nursery:
        port = await nursery.start(serve_emulator, emu, "127.0.0.1", 0)
        with log_path.open("wb") as log:
            started_at = trio.current_time()
            process = await trio.lowlevel.open_process(
                list(command or shop_command()),
                cwd=workdir,
                stdout=log,
                stderr=log,
                env=shop_environment(port, database_url, stock_key, env or {}),
            )
        try:
            yield ShopProcess(process, log_path, started_at)
        finally:
            with trio.move_on_after(STOP_TIMEOUT, shield=True):
                if process.returncode is None:
                    if before_stop is not None:
                        before_stop()
                    process.send_signal(signal.SIGTERM)
                await process.wait()
            if process.returncode is None:
                process.kill()
            nursery.cancel_scope.cancel()


async def wait_healthy(url: str, timeout: float = STARTUP_TIMEOUT, every: float = 0.01) -> float:
    """Ask `url` every `every` seconds until it answers 200; trio's clock at that answer.

    Error handling: BrokenRun when no 200 came within `timeout` seconds.
    """
    async with httpx.AsyncClient(timeout=5) as client:
        with trio.move_on_after(timeout):
            while True:
                try:
                    if (await client.get(url)).status_code == 200:
                        return trio.current_time()
                except httpx.TransportError:
                    pass  # not listening yet
                await trio.sleep(every)
    raise BrokenRun(f"{url} did not answer 200 within {timeout:g} s")


def pin_apart(shop_pid: int) -> str:
    """Put this process (Telegram's side: the emulator and the users) on the first core it may use and
    the shop on the others (Linux), so the shop's figures are not those of a core shared with its load
    generator; the database stays free to run anywhere. Returns what was done, for the report."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return "not pinned: one core"
    os.sched_setaffinity(0, {cores[0]})
    os.sched_setaffinity(shop_pid, set(cores[1:]))
    return f"pinned: emulator and users on core {cores[0]}, the shop on {', '.join(map(str, cores[1:]))}"


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process, from /proc (None where there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def resident_kib(pid: int) -> tuple[int, int | None]:
    """(resident memory now, its peak so far) of a process in KiB: /proc's VmRSS and VmHWM, or where
    there is no /proc, `ps`'s RSS and no peak."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        rss = subprocess.run(["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True, check=True)
        return int(rss.stdout), None
    values = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return int(values["VmRSS"].split()[0]), int(values["VmHWM"].split()[0])


def run_bench[*Ts, R](main: Callable[[*Ts], Awaitable[R]], *args: *Ts) -> R:
    """`trio.run(main, *args)`, exiting with "broken run: <why>" when it raises BrokenRun."""
    try:
        return trio.run(main, *args)
    except* BrokenRun as group:
        why: BaseException = group
        while isinstance(why, BaseExceptionGroup):
            why = why.exceptions[0]
        sys.exit(f"broken run: {why}")
