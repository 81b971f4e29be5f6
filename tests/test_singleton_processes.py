"""Two real `shopkeeper run` processes on one PostgreSQL and Redis: each singleton (broadcaster,
reconciler, housekeeper, notifier) runs in one of them only, as their /metrics show; when that process
is killed (SIGKILL: it releases nothing) the other takes them all over within 30 seconds."""

import signal
import subprocess
from pathlib import Path

import httpx
import pytest
import trio

from telegram.emulator import Emulator, serve_emulator
from tests.support.processes import free_port, held, shop_of_several, stop, wait_healthy

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

SINGLETONS = {"broadcaster", "reconciler", "housekeeper", "notifier"}
LEASE_SECONDS = 3


async def test_one_process_runs_the_singletons_and_the_other_takes_over_when_it_is_killed(
    tmp_path: Path, postgres_url: str
) -> None:
    emu = Emulator()
    # A bot each: only the singletons are shared here (one token allows one poller: issue 15's webhook mode).
    tokens = ["111:first-process", "222:second-process"]
    for token in tokens:
        emu.create_bot(token=token, username=f"bot{token[:3]}")
    webs = [free_port(), free_port()]
    processes: list[subprocess.Popen[str]] = []
    async with trio.open_nursery() as nursery, httpx.AsyncClient(timeout=5) as client:
        port = await nursery.start(serve_emulator, emu, "127.0.0.1", 0)
        try:
            for token, web in zip(tokens, webs, strict=True):
                processes.append(
                    shop_of_several(
                        tmp_path, token=token, emulator=port, database_url=postgres_url, web=web, lease_seconds=LEASE_SECONDS
                    )
                )
            for web in webs:
                await wait_healthy(client, f"http://127.0.0.1:{web}/health", 30)

            # Each singleton is held by exactly one process, and keeps being so over several leases.
            for _ in range(3 * LEASE_SECONDS):
                first, second = [await held(client, web) for web in webs]
                assert first | second == SINGLETONS and not first & second, (first, second)
                await trio.sleep(1)

            # The process that holds the broadcaster dies without a word.
            victim = 0 if "broadcaster" in first else 1
            heir = 1 - victim
            killed_at = trio.current_time()
            processes[victim].send_signal(signal.SIGKILL)
            processes[victim].wait(timeout=10)
            with trio.fail_after(30):
                while await held(client, webs[heir]) != SINGLETONS:
                    await trio.sleep(0.2)
            taken_over = trio.current_time() - killed_at
            assert taken_over < 30
            # Within the lease and a renewal period, give or take a scrape.
            assert taken_over <= LEASE_SECONDS * 4 / 3 + 2
        finally:
            for process in processes:
                if process.poll() is None:
                    await stop(process)
            nursery.cancel_scope.cancel()
