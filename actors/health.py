"""The health watcher: checks the database, the Bot API and the actors, for /health; in webhook mode
also what Telegram says of the webhook (actors.webhook_watch)."""

from collections.abc import Awaitable, Callable
from typing import NoReturn

import trio

from actors.poller import UpdatePoller
from actors.supervisor import ActorStatus
from actors.webhook_watch import WebhookWatch
from storage import StorageError, Store
from webui import ComponentHealth, HealthReport

CHECK_EVERY = 10.0
CHECK_TIMEOUT = 5.0


class HealthWatcher:
    def __init__(self, store: Store, poller: UpdatePoller, actors: ActorStatus, *, webhook: WebhookWatch | None = None) -> None:
        self.store = store
        self.poller = poller
        self.actors = actors
        # Webhook mode only: polling has no webhook to ask about (Telegram refuses getUpdates with one).
        self.webhook = webhook
        self._database = ComponentHealth(ok=False, detail="not checked yet")
        self._kv = ComponentHealth(ok=False, detail="not checked yet")

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> NoReturn:
        """Check every CHECK_EVERY seconds; started after the first check of the database and the
        key-value store (the shop starts without waiting for Telegram). Supports nursery.start."""
        await self._check()
        task_status.started()
        while True:
            if self.webhook is not None:
                await self.webhook.ask_when_due()
            await trio.sleep(CHECK_EVERY)
            await self._check()

    async def _check(self) -> None:
        self._database = await _probe(self.store.ping, self.store.backend)
        self._kv = await _probe(self.store.kv.ping, self.store.kv.backend)

    def report(self) -> HealthReport:
        if self.poller.last_error is not None:
            bot_api = ComponentHealth(ok=False, detail=self.actors.redact(self.poller.last_error))
        elif self.poller.last_ok is None:
            waiting = "no answer from getUpdates yet" if self.poller.mode == "polling" else "not taking webhook requests yet"
            bot_api = ComponentHealth(ok=False, detail=waiting)
        else:
            bot_api = ComponentHealth(ok=True, detail=self.poller.mode)
        components = {"database": self._database, "key_value": self._kv, "bot_api": bot_api}
        if self.webhook is not None:
            components["webhook"] = self.webhook.health
        for name, running in sorted(self.actors.running.items()):
            if running:
                components[f"actor:{name}"] = ComponentHealth(ok=True, detail="running")
                continue
            # /health is public: it names the crash's type; the signed-in overview shows the reason.
            components[f"actor:{name}"] = ComponentHealth(
                ok=False,
                detail=self.actors.last_crash_type.get(name, "stopped"),
                reason=self.actors.last_crash.get(name, ""),
            )
        return HealthReport(components=components)


async def _probe(ping: Callable[[], Awaitable[bool]], name: str) -> ComponentHealth:
    try:
        with trio.fail_after(CHECK_TIMEOUT):
            await ping()
    except (StorageError, trio.TooSlowError) as error:
        return ComponentHealth(ok=False, detail=f"{name}: {type(error).__name__}: {error}")
    return ComponentHealth(ok=True, detail=name)
