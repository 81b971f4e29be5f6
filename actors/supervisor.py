"""Supervision: run an actor, restart it with backoff when it crashes, and say why."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import trio
from prometheus_client import Counter

from storage import StorageError
from webui import Redactor

log = logging.getLogger(__name__)

RESTARTS = Counter("shopkeeper_actor_restarts_total", "Actor restarts after a crash", ["actor"])

type Actor = Callable[..., Awaitable[Any]]

BACKOFF_FIRST = 0.5
BACKOFF_MAX = 30.0
# An actor that ran this long before crashing starts its backoff afresh.
STABLE_AFTER = 60.0


# The most of a crash's reason told beyond the log (the feed's summary).
REASON_MAX = 200

type CrashReport = Callable[[str, str], Awaitable[None]]


class ActorStatus:
    """What the health watcher reads: each supervised actor's state, its last crash's reason and its
    type. `on_crash` tells of each crash elsewhere too (the shop's business-event feed:
    storage.feed.record_crash), with the actor's name and the reason. A reason is kept redacted by
    `redact`: the error book's redactor, told the configuration's secrets, so a crash shows no more
    on the overview and in the feed than on /errors."""

    def __init__(self, on_crash: CrashReport | None = None, *, redact: Callable[[str], str] | None = None) -> None:
        self.running: dict[str, bool] = {}
        self.last_crash: dict[str, str] = {}
        self.last_crash_type: dict[str, str] = {}
        self.on_crash = on_crash
        self.redact = redact or Redactor()


async def supervise(
    name: str,
    actor: Actor,
    status: ActorStatus,
    *,
    task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run `actor` (a nursery-start function) and restart it whenever it raises.

    Supports the trio nursery start protocol: started with the actor's own started() value, on its
    first successful start. Returns when the actor returns (it was asked to stop). Cancellation
    passes straight through; every other exception is logged and followed by a restart.
    """
    delay = BACKOFF_FIRST
    reported = False
    while True:
        began = trio.current_time()
        try:
            async with trio.open_nursery() as nursery:
                value = await nursery.start(actor)
                status.running[name] = True
                if not reported:
                    task_status.started(value)
                    reported = True
        except Exception as error:  # the supervisor is the one place that catches everything
            status.running[name] = False
            cause = _sole(error)
            status.last_crash[name] = status.redact(f"{type(cause).__name__}: {cause}")
            status.last_crash_type[name] = type(cause).__name__
            RESTARTS.labels(name).inc()
            if trio.current_time() - began > STABLE_AFTER:
                delay = BACKOFF_FIRST
            log.error("actor %s crashed; restarting in %.1f s", name, delay, exc_info=cause)
            await _report(status, name, status.last_crash[name][:REASON_MAX])
            await trio.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX)
        else:
            status.running[name] = False
            return


async def _report(status: ActorStatus, name: str, reason: str) -> None:
    if status.on_crash is None:
        return
    try:
        await status.on_crash(name, reason)
    except StorageError as error:
        # The crash may be the database's: the log and /health still tell of it.
        log.warning("crash of %s not written to the feed: %s", name, error)


def _sole(error: BaseException) -> BaseException:
    """The one error inside nested single-member exception groups (what the actor raised)."""
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error
