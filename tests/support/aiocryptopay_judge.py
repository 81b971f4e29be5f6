"""aiocryptopay, a CryptoPay client we did not write, as the judge of the twin: it runs on asyncio in a
worker thread (`asyncio.run`) while the twin is served by trio over loopback HTTP in the test's thread.

aiocryptopay builds its client on the running asyncio loop, so the client is made inside that thread.
"""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import trio
from aiocryptopay import AioCryptoPay

from telegram.cryptopay.twin import CryptoPayTwin, serve_twin

TOKEN = "12345:AAconformance-token"
# One exchange with the twin takes milliseconds; this bounds a test that would otherwise hang its thread.
ASYNCIO_TIMEOUT = 10.0


async def serve(twin: CryptoPayTwin, nursery: trio.Nursery) -> str:
    """The twin over loopback HTTP until the nursery ends; its base URL, aiocryptopay's `network`."""
    port = await nursery.start(serve_twin, twin)
    return f"http://127.0.0.1:{port}"


async def judge[T](url: str, work: Callable[[AioCryptoPay], Coroutine[Any, Any, T]], token: str = TOKEN) -> T:
    """`work(client)` with an aiocryptopay client for `url`, run on asyncio in a worker thread; its result."""

    async def main() -> T:
        async with AioCryptoPay(token, network=url) as crypto:
            return await asyncio.wait_for(work(crypto), ASYNCIO_TIMEOUT)

    return await trio.to_thread.run_sync(lambda: asyncio.run(main()))
