"""Webhook mode's configuration: the secret is required and checked as Telegram checks it, each key
has its environment override, and the secret is masked like every other."""

from pathlib import Path

import pytest

from actors.config import load_settings, masked
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
