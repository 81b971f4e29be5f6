"""`shopkeeper sandbox`: the whole shop on one machine, with the emulator standing in for Telegram.

SQLite under ./data, the Bot API emulator on loopback (the bot talks to it over HTTP exactly as it
would to Telegram), and a demo catalog seeded into an empty shop.
"""

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import trio

from actors.config import load_settings
from actors.shop import Running, run_shop
from storage import Store
from telegram.emulator import Emulator, serve_emulator

log = logging.getLogger(__name__)

SANDBOX_TOKEN = "100000:sandbox-token"
SANDBOX_BOT = "shopkeeper_sandbox_bot"
SANDBOX_OWNER = 1
DEFAULTS: dict[str, dict[str, Any]] = {
    "telegram": {"token": SANDBOX_TOKEN, "owner_id": SANDBOX_OWNER},
    "storage": {"database_url": "sqlite://data/shop.db"},
}


async def run_sandbox(config_path: str | None, environ: Mapping[str, str], *, emulator_port: int = 8081) -> None:
    """Run the emulator and the shop until the shop stops (Ctrl+C / SIGTERM)."""
    emulator = Emulator()
    emulator.create_bot(token=SANDBOX_TOKEN, username=SANDBOX_BOT, first_name="Shopkeeper sandbox")
    async with trio.open_nursery() as nursery:
        port = await nursery.start(serve_emulator, emulator, "127.0.0.1", emulator_port)
        defaults = {**DEFAULTS, "telegram": {**DEFAULTS["telegram"], "api_base_url": f"http://127.0.0.1:{port}"}}
        settings = load_settings(config_path, environ, defaults=defaults)

        async def shop(*, task_status: trio.TaskStatus[Running] = trio.TASK_STATUS_IGNORED) -> None:
            try:
                await run_shop(settings, prepare=_seed, task_status=task_status)
            finally:
                nursery.cancel_scope.cancel()  # the emulator stops with the shop

        running = await nursery.start(shop)
        print(_instructions(f"http://127.0.0.1:{port}", running.web_binds[0]), flush=True)


async def _seed(store: Store) -> None:
    """A fresh sandbox gets the demo catalog, a subcategory holding an unlimited item, and two promo
    codes, so that every kind of screen can be tried."""
    if not await store.seed_demo_catalog():
        return
    await store.add_category("Guides")
    await store.add_category("Strategy guides", parent="Guides")
    await store.add_item(
        "Strategy guides", "Starfall walkthrough", Decimal("2.00"), "A link to the full walkthrough.",
        kind="unlimited", content="https://example.com/starfall-walkthrough",
    )
    await store.create_promo("DEMO10", kind="percent", value=Decimal("10"), once_per_user=False)
    await store.create_promo("GIFT5", kind="credit", value=Decimal("5"))
    log.info("seeded the demo catalog")


def _instructions(emulator: str, web: str) -> str:
    user = f"{emulator}/_emulator/users/1001"
    return f"""
Shopkeeper sandbox is running (stop it with Ctrl+C).
  Health:     {web}/health
  Metrics:    {web}/metrics/prometheus
  Emulator:   {emulator}  (Bot API at /bot<token>/<method>, test API at /_emulator/)

Chat with the bot as user 1001:
  curl -s -X POST {user}/send -H 'content-type: application/json' -d '{{"text": "/start", "first_name": "Ann"}}'
  curl -s -X POST {user}/press -H 'content-type: application/json' -d '{{"label": "🛍 Shop"}}'
  curl -s {emulator}/_emulator/chats/1001/transcript
Give them money to spend (in another terminal):
  shopkeeper user credit 1001 50 --reason "sandbox top-up"
Promo codes: DEMO10 (10 % off, at the order's 🎟 Promo code), GIFT5 (5 credited: /redeem GIFT5).
"""
