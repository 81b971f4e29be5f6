"""HTTP connections in slots: up to `slots` kept open, each request sent on a free one. The Bot API
client sends on them (telegram.client), and the emulator delivers webhooks on them (telegram.emulator).

Each slot is an httpx transport of its own limited to one connection; a request takes a free slot
(the one used last, so under light load one warm connection serves) and gives it back once its answer
is read. A request finding every slot busy waits here, on a trio semaphore.

Why not one httpx pool of `slots` connections: httpcore 1.0's pool walks its connections on every
request's start and end, and for each idle one counts all of them again (quadratic in the pool's
size); and once it holds more connections than max_keepalive_connections (httpx's default 20, below
the shop's 64 lanes) it closes every connection that goes idle, so under load most requests opened a
new TCP connection. Why transports, not httpx clients: a client's redirect, auth and cookie layers
and its response wrapping were a fifth of the shop's CPU under load, for requests that need none of
them. In bench/updates.py (polling, 200 users, --pin) the shop's CPU per update went from 5.0-5.4 ms
with one httpx client to 1.7-1.8 ms with a client per slot, and to 1.5-1.7 ms with a transport per slot.
"""

import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Self

import httpx
import trio


class Connections:
    """`slots` one-connection httpx transports (or `transport`, shared, when given: e.g. the
    emulator's), an idle connection closed after `keepalive` seconds, through `proxy` if given.

    Usage: `response = await connections.send(request)` (read in full), or `async with
    connections.stream(request) as response:` to read it piecewise. The request's timeouts are its
    `timeout` extension (`timeouts(...)`), as httpx.AsyncClient.build_request sets them.

    Resource handling: `aclose` (or leaving `async with`, even cancelled) closes every connection.
    Error handling: httpx.TransportError subclasses, as httpx's transports raise them."""

    def __init__(
        self, *, slots: int, keepalive: float = 5.0, proxy: str | None = None, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        if transport is not None:
            self._transports = [transport] * slots
        else:
            one = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=keepalive)
            # One TLS context for all: loading the CA bundle costs each ~20 ms of CPU, and memory.
            tls = httpx.create_ssl_context()
            self._transports = [httpx.AsyncHTTPTransport(limits=one, verify=tls, proxy=proxy) for _ in range(slots)]
        self._owned = transport is None
        self._idle = list(self._transports)
        self._free = trio.Semaphore(slots)

    async def send(self, request: httpx.Request) -> httpx.Response:
        """The answer to `request`, its body read."""
        async with self.stream(request) as response:
            await response.aread()
        return response

    @asynccontextmanager
    async def stream(self, request: httpx.Request) -> AsyncIterator[httpx.Response]:
        """The answer to `request`, its body unread, on a slot held until the block ends."""
        async with self._free:
            transport = self._idle.pop()
            try:
                response = await transport.handle_async_request(request)
                try:
                    yield response
                finally:
                    await response.aclose()
            finally:
                self._idle.append(transport)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        with trio.CancelScope(shield=True):
            await self.aclose()

    async def aclose(self) -> None:
        if self._owned:
            for transport in self._transports:
                await transport.aclose()


def timeouts(timeout: httpx.Timeout) -> dict[str, dict[str, float | None]]:
    """A request's extensions carrying `timeout`: `httpx.Request(..., extensions=timeouts(t))`."""
    return {"timeout": timeout.as_dict()}


def environment_proxy(url: str) -> str | None:
    """The proxy the environment names for `url` (HTTPS_PROXY, ALL_PROXY... unless NO_PROXY covers its
    host), which httpx's clients honour too; None for none."""
    parsed = httpx.URL(url)
    proxies = urllib.request.getproxies()
    if not proxies or urllib.request.proxy_bypass(parsed.host):
        return None
    return proxies.get(parsed.scheme) or proxies.get("all")
