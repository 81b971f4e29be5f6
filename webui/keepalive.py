"""Shielded sends: every message the app sends to the server completes, even when the app is cancelled
while sending it.

Why: a request's last body chunk makes hypercorn close the request and report the client's
disconnect to the app *within* that send, before it starts the keep-alive connection's idle watcher;
Quart cancels the request's tasks as soon as the disconnect arrives, which cancels the send there,
and the watcher never starts. The connection then stays open until its client closes it, and a stop
waits `web.graceful_timeout` for it (Telegram's webhook deliveries and browsers keep connections
alive, so every stop did). Hypercorn shields the socket write itself already; this shields the rest of
the send, which does not block.
"""

import trio
from hypercorn.typing import ASGIFramework, ASGIReceiveCallable, ASGISendCallable, ASGISendEvent, Scope


class ShieldedSends:
    """ASGI middleware: the app's `send` calls run shielded from cancellation."""

    def __init__(self, app: ASGIFramework) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        async def shielded(message: ASGISendEvent) -> None:
            with trio.CancelScope(shield=True):
                await send(message)

        await self.app(scope, receive, shielded)
