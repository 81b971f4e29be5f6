"""`auto_retry`: the transformer that turns transient failures into waits.

Policy (grammY's auto-retry, made explicit):
  * RetryAfter (429): sleep exactly `retry_after` seconds (trio.sleep, so a MockClock drives it), then
    send again. A `retry_after` above `max_retry_after` is not waited for: the RetryAfter propagates.
  * ServerError (5xx) and NetworkError: back off `backoff * 2**n` seconds (capped at `max_backoff`),
    up to `max_retries` retries, then the last error propagates.
  * Any other BotAPIError (400, 403, 409...) propagates at once: repeating the request cannot help.

Each kind of failure has its own retry budget of `max_retries`, so a flood of 429s cannot loop forever.
No jitter: one process talks to the Bot API, there is no herd to spread, and tests stay deterministic.

getUpdates is retried like everything else: the offset confirms updates, so repeating a poll is harmless.
A retried *send* after a NetworkError may duplicate a message if the first request did reach Telegram;
we accept that for chat messages (the alternative is silently losing them).
"""

from typing import Any

import trio

from ..errors import NetworkError, RetryAfter, ServerError
from .chain import Call, Transformer


def auto_retry(*, max_retry_after: float, max_retries: int, backoff: float = 0.5, max_backoff: float = 30.0) -> Transformer:
    """Return the auto-retry transformer configured as described in the module docstring."""

    async def retrying(prev: Call, method: str, params: dict[str, Any], files: dict[str, Any] | None) -> Any:
        failures = 0
        floods = 0
        while True:
            try:
                return await prev(method, params, files)
            except RetryAfter as e:
                if e.retry_after > max_retry_after or floods >= max_retries:
                    raise
                floods += 1
                await trio.sleep(e.retry_after)
            except (ServerError, NetworkError):
                if failures >= max_retries:
                    raise
                await trio.sleep(min(max_backoff, backoff * 2**failures))
                failures += 1

    return retrying
