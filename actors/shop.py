"""The shop process: the one place that knows the whole graph and wires it at start-up.

run_shop
├── storage bridge (open_store: trio_asyncio loop, Tortoise, migrations)
├── Bot API client (flood control, auto-retry)
└── root nursery
    ├── change listener       (supervised: other processes' changes drop this one's caches)
    ├── purchase serializer   (supervised)
    ├── payment reconciler    (supervised, singleton)
    ├── broadcaster           (supervised, singleton)
    ├── notifier              (supervised, singleton: the staff's notices)
    ├── housekeeper           (supervised, singleton: audit retention)
    ├── health watcher        (supervised)
    ├── web server            (hypercorn, quart-trio app)
    └── update source + lanes (supervised): the poller, or in webhook mode the intake that the web
        app's webhook route feeds (actors.webhook)
"""

import logging
import signal
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack

import httpx
import msgspec
import trio
from quart_trio import QuartTrio

from actors.broadcaster import Broadcaster
from actors.config import ConfigError, Settings, secret_values
from actors.health import HealthWatcher
from actors.housekeeper import Housekeeper
from actors.notifier import Notifier
from actors.poller import UpdatePoller
from actors.purchases import PurchaseSerializer
from actors.reconciler import PaymentReconciler
from actors.singleton import Singleton
from actors.supervisor import ActorStatus, supervise
from actors.webhook import WebhookIntake
from actors.webhook_watch import WebhookWatch
from storage import BROADCASTER, StorageSettings, Store, mask_url, open_store
from telegram.client import BotClient
from telegram.client.reply import carry_in_reply
from telegram.config import ShopSettings
from telegram.cryptopay import CryptoPayClient
from telegram.errors import TelegramError
from telegram.i18n import LANGUAGES
from telegram.payments import PaymentDesk
from telegram.routing import BotIdentity, Dispatcher, Shop
from telegram.screens import RECEIPTS, build_gate, build_router
from telegram.texts import Texts
from telegram.types import BotCommand
from webui import Auth, CannotListen, SandboxPages, ShopMode, TelegramWebhook, create_app, open_error_book, serve_web

log = logging.getLogger(__name__)

# The command menu, in order: each command with the catalog key of its description.
COMMANDS = {
    "start": "command.start",
    "menu": "command.menu",
    "search": "command.search",
    "redeem": "command.redeem",
    "help": "command.help",
    "rules": "command.rules",
    "support": "command.support",
    "terms": "command.terms",
    "privacy": "command.privacy",
    "paysupport": "command.paysupport",
}


class Running(msgspec.Struct, frozen=True, kw_only=True):
    """What a started shop reports to whoever started it."""

    web_binds: list[str]
    # Whether the update poller has no update in hand (UpdatePoller.idle), for tests that wait for quiet.
    updates_idle: Callable[[], bool]


async def run_shop(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    cryptopay_transport: httpx.AsyncBaseTransport | None = None,
    stop: trio.Event | None = None,
    handle_signals: bool = True,
    prepare: Callable[[Store], Awaitable[None]] | None = None,
    sandbox: bool = False,
    sandbox_pages: SandboxPages | None = None,
    task_status: trio.TaskStatus[Running] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run the shop until SIGINT/SIGTERM (with `handle_signals`) or until `stop` is set.

    Supports the trio nursery start protocol: started once the database is migrated, the actors run
    and the web server listens (the Bot API may still be unreachable: the poller keeps trying and
    /health says so).

    Stopping is graceful: no new updates are fetched, updates already fetched are handled (purchases
    in the database finish), the web server closes, and what was handled is confirmed to Telegram;
    after `web.graceful_timeout` whatever is left is cancelled.

    `transport` and `cryptopay_transport` replace the network to the Bot API and to CryptoPay (the
    emulator's and the twin's in-process doors, in tests). `prepare` runs once the database is open,
    before anything else starts. `sandbox_pages` adds the sandbox's chat page to the web app.

    Error handling: before it writes to the database or starts anything, a real shop refuses a
    sandbox's database and a `sandbox` refuses a real shop's, with ConfigError (see
    `refuse_sandbox_database` and `claim_sandbox_database`). A web address it cannot listen at (the
    port is taken) is a ConfigError naming web.port.
    """
    stop = trio.Event() if stop is None else stop
    async with open_store(settings.storage) as store, AsyncExitStack() as clients:
        # What /errors shows is kept from here on, the configuration's secrets masked.
        errors_seen = clients.enter_context(open_error_book(secret_values(settings)))
        # First, before anything writes to it: a sandbox and a real shop never share a database.
        if sandbox:
            await claim_sandbox_database(store, settings.storage)
        else:
            await refuse_sandbox_database(store, settings.storage)
        # Before any update is handled: a former owner (telegram.owner_id changed) keeps no rights.
        await store.settle_owner(settings.telegram.owner_id)
        if prepare is not None:
            await prepare(store)
        bot = await clients.enter_async_context(BotClient(settings.telegram, transport=transport))
        cryptopay = None
        if settings.payments.cryptopay_token:
            cryptopay = await clients.enter_async_context(
                CryptoPayClient(settings.payments.cryptopay_token, settings.payments.cryptopay_url, transport=cryptopay_transport)
            )
        serializer = PurchaseSerializer(store)
        # The desk tells of payments with the screens' receipt and buttons, handed down here: the
        # screens import the desk, never the other way round.
        payments = PaymentDesk(store, bot, settings.shop, settings.payments, cryptopay, receipts=RECEIPTS)
        reconciler = PaymentReconciler(payments, settings.payments)
        # This process's name on the singletons' leases (actors.singleton): each runs in one process at a time.
        holder = uuid.uuid4().hex
        lease = settings.storage.lease_seconds
        broadcaster = Broadcaster(
            store,
            bot,
            settings.admin,
            settings.shop,
            settings.telegram.owner_id,
            settings.telegram.global_rate,
            holder=holder,
            lease_seconds=lease,
        )
        housekeeper = Housekeeper(store, settings.admin.audit_retention_days)
        notifier = Notifier(store, bot, settings.shop, settings.telegram.owner_id)
        dispatcher = chat_dispatcher(settings, store, bot, serializer, payments, broadcaster.ring)
        # One update source per process: Telegram refuses getUpdates while a webhook is set.
        # Only webhook mode has several processes share the inbox (storage.inbox: owners); the one
        # poller owns every row, and replays them all at once after a crash, not a lease later.
        poller: UpdatePoller
        if settings.telegram.mode == "webhook":
            poller = WebhookIntake(bot, dispatcher, settings.telegram, store, holder=holder, lease_seconds=lease)
            # Answers to buttons ride back in the webhook responses (telegram.client.reply).
            bot.use(carry_in_reply)
        else:
            poller = UpdatePoller(bot, dispatcher, settings.telegram, store)
        actors = ActorStatus(on_crash=store.record_crash, redact=errors_seen.redact)
        webhook = WebhookWatch(bot, settings.telegram, errors_seen.redact) if isinstance(poller, WebhookIntake) else None
        health = HealthWatcher(store, poller, actors, webhook=webhook)
        polling_done = trio.Event()
        web_closing = trio.Event()
        web_done = trio.Event()

        async def run_poller() -> None:
            try:
                await supervise("poller", poller.run, actors)
            finally:
                polling_done.set()

        async def run_web(app: QuartTrio, *, task_status: trio.TaskStatus[list[str]] = trio.TASK_STATUS_IGNORED) -> None:
            try:
                await serve_web(app, settings.web, web_closing.wait, task_status=task_status)
            finally:
                web_done.set()

        async with trio.open_nursery() as root:
            if handle_signals:
                root.start_soon(_stop_on_signal, stop)
            await root.start(supervise, "purchases", serializer.run, actors)
            # What another process changes drops from this one's caches at once (storage.invalidation).
            await root.start(supervise, "changes", store.watch_changes, actors)
            await root.start(supervise, "health", health.run, actors)
            try:
                app = create_app(
                    health.report,
                    Auth(store, settings.web, settings.telegram.owner_id),
                    payments,
                    errors_seen=errors_seen,
                    mode=ShopMode(updates=poller.mode, sandbox=sandbox),
                    sandbox=sandbox_pages,
                    telegram_webhook=webhook_route(settings, poller),
                )
                binds = await root.start(run_web, app)
            except CannotListen as error:
                raise ConfigError(
                    "web.port",
                    f"cannot listen at {error.address} ({error.reason}): stop what holds it, or choose "
                    "another port with web.port or SHOPKEEPER_WEB_PORT (0 picks a free one)",
                ) from None
            # Once the web server listens: a process that cannot start takes no lease from one that can.
            for name, work in (
                ("reconciler", reconciler.run),
                (BROADCASTER, broadcaster.run),
                ("housekeeper", housekeeper.run),
                ("notifier", notifier.run),
            ):
                await root.start(supervise, name, Singleton(name, work, store, holder, lease).run, actors)
            root.start_soon(_announce, bot, dispatcher.shop.identity, settings.shop)
            root.start_soon(run_poller)
            log.info("shop running; web on %s", ", ".join(binds))
            task_status.started(Running(web_binds=binds, updates_idle=lambda: poller.idle))

            await stop.wait()
            log.info("stopping: finishing the updates in hand")
            root.cancel_scope.deadline = trio.current_time() + settings.web.graceful_timeout
            poller.stop()
            await polling_done.wait()
            # The web server finishes the requests in hand (a CryptoPay webhook being settled); live
            # streams end at the trigger. The root's deadline bounds the wait.
            web_closing.set()
            await web_done.wait()
            root.cancel_scope.cancel()
    log.info("stopped")


def webhook_route(settings: Settings, source: UpdatePoller) -> TelegramWebhook | None:
    """The web app's Telegram webhook in webhook mode (None when polling)."""
    if not isinstance(source, WebhookIntake):
        return None
    telegram = settings.telegram
    return TelegramWebhook(path=telegram.webhook_path, secret=telegram.webhook_secret, take=source.take)


async def refuse_sandbox_database(store: Store, storage: StorageSettings) -> None:
    """Raise ConfigError (storage.database_url) when `store` is a sandbox's database: its demo goods
    have fake keys, its promo codes are published in the README and its payments were emulated, so a
    real shop must never sell from it."""
    if await store.is_sandbox():
        raise ConfigError(
            "storage.database_url",
            f"{mask_url(storage.database_url)} is a sandbox's database (demo goods with fake keys, public promo codes, "
            "emulated payments) and a real shop never runs on it: set storage.database_url to your shop's own database",
        )


async def claim_sandbox_database(store: Store, storage: StorageSettings) -> None:
    """Take `store` as a sandbox's database (marked as such: see storage.switches.claim_sandbox), or
    raise ConfigError (storage.database_url) when it holds a real shop's data: the sandbox's emulated
    payments, demo goods and owner must never mix with a real shop's."""
    if not await store.claim_sandbox():
        raise ConfigError(
            "storage.database_url",
            f"{mask_url(storage.database_url)} holds a real shop's data and the sandbox never runs on it: leave "
            "storage.database_url unset for the sandbox's own database, or name an empty one",
        )


def chat_dispatcher(
    settings: Settings,
    store: Store,
    bot: BotClient,
    serializer: PurchaseSerializer,
    payments: PaymentDesk | None = None,
    broadcast_doorbell: Callable[[], None] = lambda: None,
) -> Dispatcher:
    """The screens as every update meets them: the shop interface, the channel gate, the router."""
    shop = Shop(
        store=store,
        buy=serializer.buy,
        settings=settings.shop,
        owner_id=settings.telegram.owner_id,
        payments=payments,
        paid_broadcast=settings.admin.paid_broadcast,
        broadcast_doorbell=broadcast_doorbell,
        sign_in_link=settings.web.sign_in_url,
    )
    return Dispatcher(build_router(), bot=bot, shop=shop, guard=build_gate(bot, settings.shop))


async def _stop_on_signal(stop: trio.Event) -> None:
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for signum in signals:
            log.info("received %s", signal.Signals(signum).name)
            stop.set()
            return


async def _announce(bot: BotClient, identity: BotIdentity, settings: ShopSettings) -> None:
    """Learn the bot's username (for t.me links) and register the command menu; a failure only costs
    the menu (screens ask for the username again when they need it), so it is logged, not fatal.

    The menu is registered in each of the shop's languages, and in the default language for users
    whose language has no menu of its own (no language_code)."""
    try:
        me = await bot.get_me()
        identity.remember(me.username)
        for language in (None, *LANGUAGES):
            texts = Texts(settings, language or settings.default_language)
            await bot.set_my_commands(bot_commands(texts), language_code=language)
        log.info("bot @%s ready", me.username)
    except TelegramError as error:
        log.warning("could not register bot commands: %s", error)


def bot_commands(texts: Texts) -> list[BotCommand]:
    """The command menu with its descriptions in one language."""
    return [BotCommand(command=command, description=texts.plain(COMMANDS[command])) for command in COMMANDS]
