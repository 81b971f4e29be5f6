"""Webhook mode's configuration: the secret is required and checked as Telegram checks it, each key
has its environment override, and the secret is masked like every other; `shopkeeper webhook`."""

import subprocess
from pathlib import Path

import pytest
import trio

from actors.config import load_settings, masked
from telegram.emulator import Emulator, serve_emulator
from tests.support.processes import SECRET as TOKEN_OF_CONFIG
from tests.support.processes import shopkeeper, write_config

SECRET = "Hook_Secret-123"


@pytest.mark.parametrize(
    ("extra", "env", "key"),
    [
        ('mode = "webhook"\n', {}, "telegram.webhook_secret"),
        ("", {"SHOPKEEPER_TELEGRAM_MODE": "webhook"}, "telegram.webhook_secret"),
        ("", {"SHOPKEEPER_TELEGRAM_MODE": "hook"}, "telegram.mode"),
        ("", {"SHOPKEEPER_TELEGRAM_MODE": "webhook", "SHOPKEEPER_TELEGRAM_WEBHOOK_SECRET": "has space"}, "telegram.webhook_secret"),
        ("", {"SHOPKEEPER_TELEGRAM_WEBHOOK_SECRET": "x" * 257}, "telegram.webhook_secret"),
        ("", {"SHOPKEEPER_TELEGRAM_WEBHOOK_SECRET": "sécret"}, "telegram.webhook_secret"),
        ("", {"SHOPKEEPER_TELEGRAM_WEBHOOK_PATH": "telegram"}, "telegram.webhook_path"),
        ("", {"SHOPKEEPER_TELEGRAM_WEBHOOK_URL": "http://shop.example.com/hook"}, "telegram.webhook_url"),
        ("", {"SHOPKEEPER_TELEGRAM_WEBHOOK_MAX_CONNECTIONS": "101"}, "telegram.webhook_max_connections"),
    ],
)
def test_webhook_config_errors_are_one_line_naming_the_key(tmp_path: Path, extra: str, env: dict[str, str], key: str) -> None:
    config = write_config(tmp_path / "shop.toml", extra)
    result = shopkeeper("--config", str(config), "run", cwd=tmp_path, **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and key in lines[0], result.stderr
    assert "has space" not in result.stderr and "sécret" not in result.stderr


def test_webhook_settings_from_the_environment_with_the_secret_masked(tmp_path: Path) -> None:
    config = write_config(tmp_path / "shop.toml")
    environ = {
        "SHOPKEEPER_TELEGRAM_MODE": "webhook",
        "SHOPKEEPER_TELEGRAM_WEBHOOK_SECRET": SECRET,
        "SHOPKEEPER_TELEGRAM_WEBHOOK_URL": "https://shop.example.com/tg",
        "SHOPKEEPER_TELEGRAM_WEBHOOK_PATH": "/tg",
        "SHOPKEEPER_TELEGRAM_WEBHOOK_MAX_CONNECTIONS": "10",
    }
    settings = load_settings(str(config), environ)
    telegram = settings.telegram
    assert (telegram.mode, telegram.webhook_path, telegram.webhook_max_connections) == ("webhook", "/tg", 10)
    assert telegram.webhook_secret == SECRET and SECRET not in repr(settings)
    assert masked(settings)["telegram"]["webhook_secret"] == "****"
    checked = shopkeeper("--config", str(config), "config", "check", cwd=tmp_path, **environ)
    assert checked.returncode == 0, checked.stderr
    assert 'mode = "webhook"' in checked.stdout and 'webhook_secret = "****"' in checked.stdout
    assert SECRET not in checked.stdout + checked.stderr
    # Polling needs no secret, and the default path is Telegram's usual one.
    default = load_settings(str(config), {}).telegram
    assert (default.mode, default.webhook_path, default.webhook_secret) == ("polling", "/telegram/webhook", "")


async def test_webhook_set_info_and_delete_through_the_bot_api(tmp_path: Path) -> None:
    """The operator's commands against a Bot API (the emulator, served on loopback): `set` registers
    the URL with the secret, the shop's update types and max_connections; `info` prints the pending
    updates and the last error; `delete` removes it; a refusal is one line and exit 1."""
    emu = Emulator()
    bot = emu.create_bot(token=TOKEN_OF_CONFIG, username="shop_bot")
    async with trio.open_nursery() as nursery:
        port = await nursery.start(serve_emulator, emu, "127.0.0.1", 0)
        config = write_config(
            tmp_path / "shop.toml",
            f'api_base_url = "http://127.0.0.1:{port}"\nmode = "webhook"\nwebhook_secret = "{SECRET}"\n'
            'webhook_url = "https://shop.example.com/telegram/webhook"\nwebhook_max_connections = 7\n',
        )

        async def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
            return await trio.to_thread.run_sync(lambda: shopkeeper("--config", str(config), "webhook", *args, cwd=tmp_path, **env))

        done = await run("set")
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == ["webhook set: https://shop.example.com/telegram/webhook"]
        assert bot.webhook is not None and bot.webhook.secret == SECRET and bot.webhook.max_connections == 7
        assert bot.queue.allowed_updates == ["message", "callback_query", "pre_checkout_query"]
        await emu.user(1001).send_text("/start")
        bot.webhook.last_error_date, bot.webhook.last_error_message = 1_800_000_000, "Connection refused"
        info = await run("info")
        assert info.returncode == 0, info.stderr
        assert info.stdout.splitlines() == [
            "url: https://shop.example.com/telegram/webhook",
            "pending updates: 1",
            "max connections: 7",
            "allowed updates: message, callback_query, pre_checkout_query",
            "last error: 2027-01-15 08:00:00 UTC: Connection refused",
        ]
        assert SECRET not in info.stdout + done.stdout
        refused = await run("set", SHOPKEEPER_TELEGRAM_WEBHOOK_URL="https://shop.example.com:8080/hook")
        assert refused.returncode == 1
        assert refused.stderr.strip().splitlines() == [
            "error: setWebhook: 400 Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
        ]
        missing = await run("set", SHOPKEEPER_TELEGRAM_WEBHOOK_URL="")
        assert missing.returncode == 2 and "telegram.webhook_url" in missing.stderr
        deleted = await run("delete", "--drop-pending")
        assert deleted.returncode == 0 and bot.webhook is None and emu.pending_updates() == 0
        assert (await run("info")).stdout.splitlines()[:2] == ["url: (none: the shop polls)", "pending updates: 0"]
        nursery.cancel_scope.cancel()
