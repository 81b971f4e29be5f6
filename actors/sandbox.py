"""`shopkeeper sandbox`: the whole shop on one machine, with the emulator standing in for Telegram.

SQLite in its own database (SANDBOX_DATABASE, with its own stock key beside it), the Bot API emulator
on loopback (the bot talks to it over HTTP exactly as it would to Telegram), the CryptoPay twin on
loopback (sending its signed webhooks to the shop's web server), every payment method on, and a demo
catalog seeded into an empty shop.

With `telegram.mode = "webhook"` (SHOPKEEPER_TELEGRAM_MODE=webhook) the sandbox runs in webhook mode:
the emulator posts each update to the shop's web server, registered with the emulator at start
(setWebhook with this run's secret, as `shopkeeper webhook set` does with Telegram).

A sandbox and a real shop never share a database: the sandbox marks the one it runs on, a real shop
then refuses it, and the sandbox refuses one that holds a real shop's data (actors.shop).
"""

import functools
import logging
import secrets
import shlex
import sys
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import trio

from actors.config import ConfigError, Settings, load_settings
from actors.config import config_path as config_file
from actors.poller import ALLOWED_UPDATES
from actors.shop import Running, run_shop
from storage import LINK_MINUTES, Refused, StorageSettings, Store, mask_url
from telegram.cryptopay.twin import CryptoPayTwin, serve_twin
from telegram.emulator import Emulator, serve_emulator
from webui.config import SIGN_IN_PATH, WebSettings
from webui.sandbox import sandbox_pages

log = logging.getLogger(__name__)

SANDBOX_TOKEN = "100000:sandbox-token"
SANDBOX_BOT = "shopkeeper_sandbox_bot"
SANDBOX_OWNER = 1
# Not the real shop's default (data/shop.db): its own directory, so its stock key and `make clean`
# leave a real shop's files alone.
SANDBOX_DATABASE = "sqlite://data/sandbox/sandbox.db"
DEFAULTS: dict[str, dict[str, Any]] = {
    "telegram": {"token": SANDBOX_TOKEN, "owner_id": SANDBOX_OWNER},
    "storage": {"database_url": SANDBOX_DATABASE},
    # The emulator takes any provider token; the twin is reached at the URL filled in at start.
    "payments": {
        "provider_token": "sandbox:card-provider",
        "cryptopay_token": "1:sandbox-cryptopay-token",
        "cryptopay_poll_interval": 5,
    },
}


async def run_sandbox(
    config_path: str | None, environ: Mapping[str, str], *, emulator_port: int = 8081, cryptopay_port: int = 8082
) -> None:
    """Run the emulator, the CryptoPay twin and the shop until the shop stops (Ctrl+C / SIGTERM).

    Error handling: a bad config, or a database holding a real shop's data, raises ConfigError (in the
    exception group of the nursery the sandbox runs in) before anything is served."""
    # The emulator posts to the shop's own loopback address in webhook mode (http://127.0.0.1:port).
    emulator = Emulator(local_webhooks=True)
    emulator.create_bot(token=SANDBOX_TOKEN, username=SANDBOX_BOT, first_name="Shopkeeper sandbox")
    twin = CryptoPayTwin(str(DEFAULTS["payments"]["cryptopay_token"]))
    async with trio.open_nursery() as nursery:
        port = await nursery.start(serve_emulator, emulator, "127.0.0.1", emulator_port)
        twin_port = await nursery.start(serve_twin, twin, "127.0.0.1", cryptopay_port)
        defaults = {
            **DEFAULTS,
            # A webhook secret for this run, used in webhook mode (token_urlsafe's characters are Telegram's).
            "telegram": {
                **DEFAULTS["telegram"],
                "api_base_url": f"http://127.0.0.1:{port}",
                "webhook_secret": secrets.token_urlsafe(32),
            },
            "payments": {**DEFAULTS["payments"], "cryptopay_url": f"http://127.0.0.1:{twin_port}"},
            # /metrics/prometheus wants a bearer token or a signed-in session: one for this run, printed below.
            "web": {"metrics_token": secrets.token_urlsafe(16)},
        }
        settings = load_settings(config_path, environ, defaults=defaults)
        # A config naming another CryptoPay token (the real testnet) leaves the twin unused.
        twin.token = settings.payments.cryptopay_token
        sign_in: list[str] = []  # the owner's sign-in token, issued while the shop prepares its database

        async def shop(*, task_status: trio.TaskStatus[Running] = trio.TASK_STATUS_IGNORED) -> None:
            prepare = functools.partial(_prepare, owner_id=settings.telegram.owner_id, sign_in=sign_in)
            # The chat page plays the emulator's users; crypto goes through the twin unless the config
            # names another CryptoPay (the real testnet), whose invoices the twin does not hold.
            pages = sandbox_pages(emulator, twin, settings.telegram.owner_id, settings.web)
            try:
                await run_shop(settings, prepare=prepare, sandbox=True, sandbox_pages=pages, task_status=task_status)
            finally:
                nursery.cancel_scope.cancel()  # the emulator stops with the shop

        running = await nursery.start(shop)
        if settings.telegram.mode == "webhook":
            await nursery.start(emulator.deliver_webhooks)
            await _register_webhook(emulator, settings, running.web_binds[0])
        twin.webhook_url = f"{running.web_binds[0]}/cryptopay/webhook"
        program = shopkeeper_program(sys.argv[0], Path.cwd())
        operator = _operator_command(settings.storage, config_file(config_path, environ), program)
        # `web link` also needs the sandbox's owner and the address its web server took, which the
        # sandbox chose itself (defaults, a free port): the command names them.
        web_url = settings.web.public_url or running.web_binds[0]
        web_env = {"SHOPKEEPER_TELEGRAM_OWNER_ID": str(settings.telegram.owner_id), "SHOPKEEPER_WEB_PUBLIC_URL": web_url}
        link_command = _operator_command(settings.storage, config_file(config_path, environ), program, web_env)
        emulator_url, twin_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{twin_port}"
        metrics = _metrics_command(running.web_binds[0], settings.web.metrics_token, defaults["web"]["metrics_token"])
        link = _sign_in_url(settings.web, running.web_binds[0], sign_in[0])
        banner = _instructions(emulator_url, running.web_binds[0], twin_url, operator, metrics, link, link_command)
        print(banner, flush=True)


async def _register_webhook(emulator: Emulator, settings: Settings, web: str) -> None:
    """Point the emulator's bot at the shop's webhook route, as `shopkeeper webhook set` points Telegram."""
    telegram = settings.telegram
    url = web.replace("://0.0.0.0:", "://127.0.0.1:") + telegram.webhook_path
    params = {"url": url, "secret_token": telegram.webhook_secret, "allowed_updates": ALLOWED_UPDATES}
    outcome = await emulator.call_api(telegram.token, "setWebhook", params)
    if not outcome.body.get("ok"):
        raise ConfigError("telegram.webhook_path", f"the emulator refused the webhook {url}: {outcome.body.get('description')}")
    log.info("webhook mode: the emulator posts updates to %s", url)


async def _prepare(store: Store, *, owner_id: int, sign_in: list[str]) -> None:
    """Seed a fresh sandbox, and issue the owner a sign-in link for the banner (into `sign_in`).

    The owner is registered first if they have not sent /start yet (a link is for staff, and staff
    are users); a registered owner keeps the profile the chat gave them."""
    await _seed(store)
    if await store.get_user(owner_id) is None:
        await store.register_user(owner_id, username=None, first_name="Owner", language_code=None, owner_id=owner_id)
    issued = await store.issue_sign_in(owner_id, owner_id=owner_id, actor_id=None)
    if isinstance(issued, Refused):  # settle_owner has just made them the owner, unblocked
        raise AssertionError(f"the sandbox's owner {owner_id} was refused a sign-in link")
    sign_in.append(issued.token)


def _sign_in_url(web: WebSettings, bound: str, token: str) -> str:
    """The link at the address the sandbox's web server really listens at (web.port may be 0: any
    free one), unless web.public_url says where browsers reach it."""
    return web.sign_in_url(token) if web.public_url else f"{bound}{SIGN_IN_PATH}/{token}"


async def _seed(store: Store) -> None:
    """A fresh sandbox gets the demo catalog, a subcategory holding an unlimited item, and two promo
    codes, so that every kind of screen can be tried."""
    if not await store.seed_demo_catalog():
        return
    await store.add_category("Guides")
    await store.add_category("Strategy guides", parent="Guides")
    await store.add_item(
        "Strategy guides",
        "Starfall walkthrough",
        Decimal("2.00"),
        "A link to the full walkthrough.",
        kind="unlimited",
        content="https://example.com/starfall-walkthrough",
    )
    await store.create_promo("DEMO10", kind="percent", value=Decimal("10"), once_per_user=False)
    await store.create_promo("GIFT5", kind="credit", value=Decimal("5"))
    log.info("seeded the demo catalog")


def shopkeeper_program(argv0: str, cwd: Path) -> str:
    """How to name the running `shopkeeper` program in a command typed in `cwd`: its path relative to
    `cwd` when it is inside it (`.venv/bin/shopkeeper` after `make run`), else its absolute path. A
    virtual environment's bin directory is seldom on PATH, so the bare name would not be found.
    Started some other way (`python -m actors.cli`), it is the script beside the interpreter."""
    program = Path(argv0)
    if program.name != "shopkeeper":
        program = Path(sys.executable).parent / "shopkeeper"
    # absolute(), not resolve(): the path as the shell reaches it, through the same links.
    program = program.absolute()
    try:
        relative = program.relative_to(cwd.absolute())
    except ValueError:
        return str(program)
    return str(relative) if relative.parent != Path(".") else f"./{relative}"


def _operator_command(
    storage: StorageSettings, config: Path | None, program: str, settings: Mapping[str, str] | None = None
) -> str:
    """How to run an operator command on this sandbox's database from another terminal: without it a
    command acts on the real shop's default database. A URL holding a password is left to the config
    file or environment that gave it. `settings`: more environment variables the command needs."""
    words = []
    if mask_url(storage.database_url) == storage.database_url:
        words.append(f"SHOPKEEPER_STORAGE_DATABASE_URL={shlex.quote(storage.database_url)}")
    words += [f"{name}={shlex.quote(value)}" for name, value in (settings or {}).items()]
    words.append(shlex.quote(program))
    if config is not None:
        words += ["--config", shlex.quote(str(config))]
    return " ".join(words)


def _metrics_command(web: str, token: str, generated: str) -> str:
    """How to read the metrics: with this run's own token, shown; a configured one stays unshown."""
    if token == generated:
        return f"curl -s -H 'Authorization: Bearer {token}' {web}/metrics/prometheus"
    return f"{web}/metrics/prometheus  (Authorization: Bearer <web.metrics_token>)"


def _instructions(emulator: str, web: str, cryptopay: str, operator: str, metrics: str, sign_in: str, link_command: str) -> str:
    user = f"{emulator}/_emulator/users/1001"
    return f"""
Shopkeeper sandbox is running (stop it with Ctrl+C).
  Try the shop: {web}/sandbox  (a chat with the bot in your browser, as buyers 1001-1003 or the owner)
  Web app:    {sign_in}  (the owner's sign-in link, good once for {LINK_MINUTES} minutes)
              another one, in another terminal: {link_command} web link
  Health:     {web}/health
  Metrics:    {metrics}
  Emulator:   {emulator}  (Bot API at /bot<token>/<method>, test API at /_emulator/)

Chat with the bot as user 1001:
  curl -s -X POST {user}/send -H 'content-type: application/json' -d '{{"text": "/start", "first_name": "Ann"}}'
  curl -s -X POST {user}/press -H 'content-type: application/json' -d '{{"label": "🛍 Shop"}}'
  curl -s {emulator}/_emulator/chats/1001/transcript
Give them money to spend (in another terminal; operator commands act on the sandbox's database so):
  {operator} user credit 1001 50 --reason "sandbox top-up"
Promo codes: DEMO10 (10 % off, at the order's 🎟 Promo code), GIFT5 (5 credited: /redeem GIFT5).

Payments (Profile → 💳 Top up, or ⭐ Pay with Stars on an order; every emulated user has 10000 ⭐):
  Stars or card: after choosing the method, pay the invoice the bot sent:
    curl -s -X POST {user}/pay -H 'content-type: application/json' -d '{{}}'
  CryptoPay twin ({cryptopay}): after choosing crypto, pay the invoice and send its signed webhook:
    curl -s {cryptopay}/_twin/invoices
    curl -s -X POST {cryptopay}/_twin/invoices/<invoice_id>/pay
    curl -s -X POST {cryptopay}/_twin/invoices/<invoice_id>/webhook
  (or press 🔄 Check payment; without the webhook the reconciler finds the payment within 5 s).
"""
