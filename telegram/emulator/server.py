"""Serving the emulator over real HTTP (loopback) with hypercorn, for a bot in another task or process."""

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import trio
from hypercorn.config import Config
from hypercorn.trio import serve

if TYPE_CHECKING:
    from .core import Emulator


async def serve_emulator(
    emu: "Emulator",
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    shutdown_trigger: Callable[[], Awaitable[None]] | None = None,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve `emu.asgi_app()` on host:port until cancelled (or `shutdown_trigger` returns).

    Supports the Trio nursery start protocol: `port = await nursery.start(serve_emulator, emu, "127.0.0.1", 0)`
    returns the bound port once the socket is listening (port 0 picks a free one).

    Error handling: bind errors propagate out of `nursery.start` before started() is called.
    """
    config = Config()
    config.bind = [f"{host}:{port}"]
    config.accesslog = None
    config.errorlog = None  # the "drop" fault makes hypercorn log a protocol error on purpose
    config.graceful_timeout = 0.5

    async def started(task_status: trio.TaskStatus[list[str]] = trio.TASK_STATUS_IGNORED) -> None:
        await serve(emu.asgi_app(), config, shutdown_trigger=shutdown_trigger or trio.sleep_forever,
                    task_status=task_status)

    async with trio.open_nursery() as nursery:
        binds = await nursery.start(started)
        # hypercorn reports "http://127.0.0.1:54321"; the port is what callers need to connect.
        task_status.started(int(binds[0].rsplit(":", 1)[1]))
