"""The HTTP face of the emulator: its routes, served through the shared doors (`telegram.doors`).

`router(emu)` routes `/bot<token>/<method>` to the Bot API core, `GET /file/bot<token>/<file_path>` to
the files getFile made downloadable (`files.py`) and `/_emulator/...` to the test API (`testapi.py`).
`Emulator.transport()` (httpx, in process) and `Emulator.asgi_app()` / `serve_emulator` (hypercorn,
loopback) serve it, so a bot under test sees the same answers either way; the faults "timeout" and
"drop" lose the answer as each door's network would (see `telegram.doors`).
"""

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING

import trio

from telegram.doors import Reply, Request, Router, json_reply, serve

from .errors import ApiError
from .files import downloadable
from .params import decode_params
from .testapi import handle_test_api

if TYPE_CHECKING:
    from .core import Emulator

# The Bot API takes uploads of up to 50 MB; this leaves room for the form around one.
MAX_BODY = 51 * 1024 * 1024


def router(emu: "Emulator") -> Router:
    """The emulator's routes, answering as the Bot API server does (404 Not Found, 413 Request Entity Too Large)."""
    return Router(
        [("/_emulator/", partial(handle_test_api, emu)), ("/bot", partial(_bot_api, emu)), ("/file/bot", partial(_file, emu))],
        not_found=_error(404, "Not Found"),
        too_large=_error(413, "Request Entity Too Large"),
        max_body=MAX_BODY,
    )


def _error(code: int, description: str) -> Reply:
    return json_reply(code, {"ok": False, "error_code": code, "description": description})


async def _bot_api(emu: "Emulator", request: Request) -> Reply | None:
    """`<token>/<method>`: one Bot API call."""
    token, sep, api_method = request.path.partition("/")
    if not sep or not api_method or "/" in api_method:
        return None
    try:
        params = decode_params(request.query, request.content_type, request.body)
    except ApiError as e:
        return _error(e.error_code, e.description)
    outcome = await emu.call_api(token, api_method, params)
    if outcome.lost:
        return Reply(0, lost=outcome.lost)
    return json_reply(outcome.status, outcome.body, outcome.headers)


async def _file(emu: "Emulator", request: Request) -> Reply | None:
    """`<token>/<file_path>`: a file getFile made downloadable."""
    if request.method != "GET":
        return None
    token, _, file_path = request.path.partition("/")
    stored = downloadable(emu, token, file_path)
    if stored is None or stored.content is None:
        return None
    return Reply(200, stored.content, [("content-type", stored.mime_type or "application/octet-stream")])


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
    # The "drop" fault makes hypercorn log a protocol error on purpose: no error log.
    await serve(emu.asgi_app(), host, port, error_log=False, shutdown_trigger=shutdown_trigger, task_status=task_status)
