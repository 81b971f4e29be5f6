"""The overview's status block: is the shop up, and if not, what is wrong. It reads the health
watcher's last report (the database, the key-value store, the Bot API, each actor; probed by the
watcher, not here), the maintenance switch from the store, and this process's facts. In webhook mode
it also tells what Telegram last said of the webhook: a missing registration is "something is wrong"
here, though the public /health stays 200 for it (see webui.health)."""

import msgspec

from storage import StorageError, Store
from webui.health import ComponentHealth, HealthReport, WebhookHealth
from webui.process import ProcessInfo, this_process

ACTOR = "actor:"


class ShopMode(msgspec.Struct, frozen=True, kw_only=True):
    """How the shop runs: how updates arrive ("polling" or "webhook"), and whether it is a sandbox."""

    updates: str = "polling"
    sandbox: bool = False


class ActorLine(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    running: bool
    # Why it is not running: its last crash ("RuntimeError: boom"); empty when running.
    reason: str


class ShopStatus(msgspec.Struct, frozen=True, kw_only=True):
    ok: bool
    # None: the store could not say (the database is out of reach).
    maintenance: bool | None
    bot_api: ComponentHealth
    database: ComponentHealth
    key_value: ComponentHealth
    actors: list[ActorLine]
    process: ProcessInfo
    mode: ShopMode
    # Webhook mode only (None when polling).
    webhook: WebhookHealth | None = None


NOT_REPORTED = ComponentHealth(ok=False, detail="not reported")


async def shop_status(store: Store, report: HealthReport, mode: ShopMode) -> ShopStatus:
    try:
        maintenance: bool | None = (await store.shop_switches()).maintenance
    except StorageError:
        maintenance = None
    components = report.components
    actors = [
        ActorLine(
            name=name.removeprefix(ACTOR),
            running=health.ok,
            reason="" if health.ok else health.reason or health.detail or "stopped",
        )
        for name, health in sorted(components.items())
        if name.startswith(ACTOR)
    ]
    return ShopStatus(
        ok=report.all_ok and maintenance is not None,
        maintenance=maintenance,
        bot_api=components.get("bot_api", NOT_REPORTED),
        database=components.get("database", NOT_REPORTED),
        key_value=components.get("key_value", NOT_REPORTED),
        actors=actors,
        process=this_process(),
        mode=mode,
        webhook=report.webhook,
    )
