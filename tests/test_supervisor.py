"""The supervisor restarts a crashed actor with growing backoff, says why, and lets a stop through."""

import logging

import pytest
import trio

from actors.supervisor import BACKOFF_FIRST, ActorStatus, supervise
from webui import Redactor


async def test_a_crashing_actor_is_restarted_with_backoff(autojump_clock: trio.testing.MockClock, caplog: pytest.LogCaptureFixture) -> None:
    starts: list[float] = []
    status = ActorStatus()

    async def flaky(*, task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED) -> None:
        starts.append(trio.current_time())
        task_status.started("ready")
        if len(starts) <= 3:
            raise RuntimeError(f"boom {len(starts)}")
        await trio.sleep_forever()

    with caplog.at_level(logging.ERROR, logger="actors.supervisor"):
        async with trio.open_nursery() as nursery:
            assert await nursery.start(supervise, "flaky", flaky, status) == "ready"
            await trio.sleep(60)
            assert status.running["flaky"]
            nursery.cancel_scope.cancel()
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert gaps == pytest.approx([BACKOFF_FIRST, BACKOFF_FIRST * 2, BACKOFF_FIRST * 4])
    assert status.last_crash["flaky"] == "RuntimeError: boom 3"
    assert [r.getMessage() for r in caplog.records].count("actor flaky crashed; restarting in 0.5 s") == 1
    assert any("boom 2" in (r.exc_text or "") or "boom 2" in str(r.exc_info) for r in caplog.records)


async def test_an_actor_that_returns_is_not_restarted(autojump_clock: trio.testing.MockClock) -> None:
    runs = 0

    async def finishing(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        nonlocal runs
        runs += 1
        task_status.started()

    status = ActorStatus()
    await supervise("once", finishing, status)
    assert runs == 1 and status.running["once"] is False


async def test_a_crash_is_kept_and_told_with_the_configured_secrets_masked(autojump_clock: trio.testing.MockClock) -> None:
    secret = "prov-SECRET-value-xyz"  # a configured secret no pattern knows by its shape
    told: list[tuple[str, str]] = []

    async def tell(name: str, reason: str) -> None:
        told.append((name, reason))

    status = ActorStatus(on_crash=tell, redact=Redactor([secret]))

    async def leaky(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        if not told:
            raise RuntimeError(f"the provider refused {secret}")
        await trio.sleep_forever()

    async with trio.open_nursery() as nursery:
        await nursery.start(supervise, "payments", leaky, status)
        await trio.sleep(5)
        nursery.cancel_scope.cancel()
    # What the overview and the feed show (last_crash, the report) and what the public /health shows.
    assert status.last_crash["payments"] == "RuntimeError: the provider refused ****"
    assert told == [("payments", "RuntimeError: the provider refused ****")]
    assert status.last_crash_type["payments"] == "RuntimeError"
