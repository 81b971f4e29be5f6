"""`shopkeeper webhook set|delete|info`: register the shop's webhook with Telegram, remove it, or
show what Telegram says of it. The operator runs these once (not every replica at every start):
`set` sends telegram.webhook_url with the secret (telegram.webhook_secret), the update types the
shop handles and telegram.webhook_max_connections; `info` prints getWebhookInfo's pending updates
and last error. A refusal by the Bot API is one line naming its description, exit 1."""

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

import trio

from actors.cli.common import Commands
from actors.config import ConfigError, Settings, load_settings
from actors.poller import ALLOWED_UPDATES
from telegram.client import BotClient
from telegram.errors import TelegramError


def register(commands: Commands) -> None:
    webhook = commands.add_parser("webhook", help="the Telegram webhook (webhook mode)").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    webhook.add_parser("set", help="register telegram.webhook_url with Telegram, with the secret").set_defaults(handler=_set)
    delete = webhook.add_parser("delete", help="remove the webhook (to go back to polling)")
    delete.add_argument("--drop-pending", action="store_true", help="also drop the updates Telegram holds for the shop")
    delete.set_defaults(handler=_delete)
    webhook.add_parser("info", help="print what Telegram says of the webhook: pending updates, last error").set_defaults(
        handler=_info
    )


def _set(args: argparse.Namespace) -> None:
    settings = load_settings(args.config)
    telegram = settings.telegram
    if not telegram.webhook_url:
        raise ConfigError("telegram.webhook_url", "required to set the webhook: the public https:// address of webhook_path")
    if not telegram.webhook_secret:
        raise ConfigError("telegram.webhook_secret", "required to set the webhook: 1-256 of A-Z a-z 0-9 _ -")
    _call(
        settings,
        "setWebhook",
        {
            "url": telegram.webhook_url,
            "secret_token": telegram.webhook_secret,
            "allowed_updates": ALLOWED_UPDATES,
            "max_connections": telegram.webhook_max_connections,
        },
    )
    print(f"webhook set: {telegram.webhook_url}")
    if telegram.mode != "webhook":
        print('note: telegram.mode is polling; run the shop with mode = "webhook" to take these updates')


def _delete(args: argparse.Namespace) -> None:
    _call(load_settings(args.config), "deleteWebhook", {"drop_pending_updates": args.drop_pending or None})
    print("webhook deleted")


def _info(args: argparse.Namespace) -> None:
    info = _call(load_settings(args.config), "getWebhookInfo", {})
    print(f"url: {info.get('url') or '(none: the shop polls)'}")
    print(f"pending updates: {info.get('pending_update_count', 0)}")
    if "max_connections" in info:
        print(f"max connections: {info['max_connections']}")
    if info.get("allowed_updates"):
        print(f"allowed updates: {', '.join(info['allowed_updates'])}")
    if info.get("last_error_date"):
        when = datetime.fromtimestamp(info["last_error_date"], UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        print(f"last error: {when}: {info.get('last_error_message', '')}")
    else:
        print("last error: none")


def _call(settings: Settings, method: str, params: dict[str, Any]) -> Any:
    async def call() -> Any:
        async with BotClient(settings.telegram) as bot:
            return await bot.call(method, params)

    try:
        return trio.run(call)
    except TelegramError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(1) from None
