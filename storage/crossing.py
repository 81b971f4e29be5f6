"""One crossing from trio into the asyncio loop, atomic for trio's cancellation.

trio_asyncio's own `run_aio_coroutine` cancels the asyncio task when the trio caller is cancelled. In the
middle of a transaction that can leave the connection's asyncio lock held for ever (Tortoise's SQLite
transaction takes it before BEGIN returns and never gives it back when cancelled there; an asyncpg
connection can be lost to the pool the same way), and then every later crossing in the process waits for
ever. So a cancelled caller waits, shielded, for its use case to finish (commit or roll back), and only
then takes its cancellation.
"""

import asyncio
import logging
from collections.abc import Coroutine

import trio
import trio_asyncio

log = logging.getLogger(__name__)

# How long a crossing whose trio caller was cancelled may still run before its asyncio task is cancelled
# too: well past the longest a use case statement waits (SQLite's busy timeout, storage.sqlite_busy_timeout_ms,
# 5 s; a PostgreSQL row lock held by another short transaction; one Redis listen of kv.LISTEN_SECONDS), and
# short enough to bound a shutdown: web.graceful_timeout plus this.
CANCELLED_CROSSING_SECONDS = 15.0


async def run_to_the_end[R](loop: trio_asyncio.TrioEventLoop, name: str, coroutine: Coroutine[object, object, R]) -> R:
    """Run `coroutine` (use case `name`) as an asyncio task on `loop` and return its result. A cancelled
    caller raises trio.Cancelled once the task has finished, or after CANCELLED_CROSSING_SECONDS, when the
    task is cancelled (and the error logged)."""
    try:
        task = asyncio.ensure_future(coroutine, loop=loop)
    except BaseException:
        coroutine.close()
        raise
    finished = trio.Event()
    task.add_done_callback(lambda _: finished.set())
    try:
        await finished.wait()
    except trio.Cancelled:
        with trio.move_on_after(CANCELLED_CROSSING_SECONDS, shield=True):
            await finished.wait()
        if not task.done():
            log.error(
                "use case %s still running %.0f s after its caller was cancelled: cancelled", name, CANCELLED_CROSSING_SECONDS
            )
            task.cancel()
        elif not task.cancelled() and (error := task.exception()) is not None:
            log.info("use case %s failed after its caller was cancelled: %r", name, error)
        raise
    return task.result()
