"""A round-robin HTTP load balancer for tests of several shop processes: what nginx's `upstream` does
in front of them, served in the test's own trio program.

Each request goes to the next backend in turn, so one chat's consecutive updates reach different
processes. A backend that refuses the connection (a process killed) is skipped for the next one, as
nginx's `proxy_next_upstream error` does for a request not yet sent; any other failure is a 502, and
Telegram (the emulator) delivers the update again later.
"""

from collections import Counter

import httpx
import trio

from telegram.doors import Reply, Request, Router, asgi_app, serve

# Hop-by-hop and recomputed headers: not passed on.
DROPPED = frozenset({"host", "content-length", "connection", "keep-alive", "transfer-encoding"})


class RoundRobin:
    """Balance over `backends` (base URLs); `forwarded` counts the requests each answered."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.forwarded: Counter[str] = Counter()
        self._next = 0
        self._client = httpx.AsyncClient(timeout=30)

    async def serve(self, *, task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED) -> None:
        """Listen on a free loopback port until cancelled; the nursery start protocol returns its base URL."""
        router = Router([("", self._forward)], not_found=Reply(404), too_large=Reply(413), max_body=1 << 20)
        async with self._client, trio.open_nursery() as nursery:
            port = await nursery.start(serve, asgi_app(router), "127.0.0.1", 0)
            task_status.started(f"http://127.0.0.1:{port}")

    async def _forward(self, request: Request) -> Reply:
        headers = {name: value for name, value in request.headers.items() if name not in DROPPED}
        start, self._next = self._next, self._next + 1
        for turn in range(len(self.backends)):
            backend = self.backends[(start + turn) % len(self.backends)]
            try:
                answer = await self._client.request(request.method, backend + request.path, headers=headers, content=request.body)
            except httpx.ConnectError:
                continue
            except httpx.TransportError:
                return Reply(502)
            self.forwarded[backend] += 1
            passed = [(name, value) for name, value in answer.headers.items() if name.lower() not in DROPPED]
            return Reply(answer.status_code, answer.content, passed)
        return Reply(502)
