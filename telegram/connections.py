"""HTTP connections in slots: up to `slots` kept open, each request sent on a free one. The Bot API
client sends on them (telegram.client), and the emulator delivers webhooks on them (telegram.emulator).

Each slot is an httpx client of its own limited to one connection; a request takes a free slot (the
one used last, so under light load one warm connection serves) and gives it back once its answer is
read. A request finding every slot busy waits here, on a trio semaphore.

Why not one httpx client with a pool of `slots` connections: httpcore 1.0's pool walks its connections
on every request's start and end, and for each idle one counts all of them again (quadratic in the
pool's size); and once it holds more connections than max_keepalive_connections (httpx's default 20,
below the shop's 64 lanes) it closes every connection that goes idle, so under load most requests
opened a new TCP connection. In bench/updates.py (polling, 200 users, --pin) the shop's CPU per
update went from 5.0-5.4 ms to 1.8 ms with slots; a slot's pool is one connection long.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Self

import httpx
import trio


class Connections:
    """`slots` one-connection httpx clients on `base_url` (through `transport` if given, e.g. the
    emulator's), an idle connection closed after `keepalive` seconds.

    Usage: `async with connections.one() as http: response = await http.send(request)`; read the
    answer inside the block (httpx's `send` does unless `stream=True`).

    Resource handling: `aclose` (or leaving `async with`, even cancelled) closes every client and its
    connection."""

    def __init__(
        self,
        base_url: str = "",
        *,
        slots: int,
        timeout: httpx.Timeout,
        keepalive: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        one = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=keepalive)
        # One TLS context for all (loading the CA bundle is ~20 ms of CPU and memory each); none is
        # needed when a transport is given.
        tls = httpx.create_ssl_context() if transport is None else True
        self._clients = [
            httpx.AsyncClient(base_url=base_url, transport=transport, timeout=timeout, limits=one, verify=tls)
            for _ in range(slots)
        ]
        self._idle = list(self._clients)
        self._free = trio.Semaphore(slots)

    @property
    def base_url(self) -> httpx.URL:
        return self._clients[0].base_url

    def build_request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Request:
        """A request as httpx.AsyncClient.build_request makes it (the same on every slot)."""
        return self._clients[0].build_request(method, url, **kwargs)

    @asynccontextmanager
    async def one(self) -> AsyncIterator[httpx.AsyncClient]:
        """A free slot's client for the block, waiting for one when all are busy."""
        async with self._free:
            client = self._idle.pop()
            try:
                yield client
            finally:
                self._idle.append(client)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        with trio.CancelScope(shield=True):
            await self.aclose()

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()
