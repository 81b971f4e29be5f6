"""Loading the settings: one TOML file plus `SHOPKEEPER_<SECTION>_<KEY>` environment overrides.

Each section is a msgspec Struct defined next to the room that uses it; `Settings` composes them and
is handed down at start-up (`BotClient(settings.telegram)`, `open_store(settings.storage)`). Nothing
reads the environment anywhere else.

Every problem is a `ConfigError` naming the key, in one line, never showing a secret's value.
"""

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from storage import ConfigSection, StorageSettings, backend_of, parse_stock_key
from telegram.config import AdminSettings, PaymentSettings, ShopSettings, TelegramSettings
from telegram.i18n import LANGUAGES
from webui.config import WebSettings

ENV_PREFIX = "SHOPKEEPER_"
CONFIG_ENV = "SHOPKEEPER_CONFIG"
LOG_LEVEL_ENV = "SHOPKEEPER_LOG_LEVEL"
TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
# What Telegram accepts as setWebhook's secret_token (and so sends back in the header).
WEBHOOK_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
# config.example.toml's stand-ins for the two values every shop must give: a copy of the file that
# still holds them is refused, naming the key, rather than started against nobody's bot.
EXAMPLE_TOKEN = "123456789:replace-with-your-bot-token"
EXAMPLE_OWNER_ID = 123456789
# A secret (a field a section names in its `secrets`) may instead be read from a file named by
# SHOPKEEPER_<SECTION>_<KEY>_FILE, as Docker and Kubernetes mount secrets.
FILE_SUFFIX = "_file"


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    telegram: TelegramSettings
    storage: StorageSettings = StorageSettings()
    web: WebSettings = WebSettings()
    shop: ShopSettings = ShopSettings()
    payments: PaymentSettings = PaymentSettings()
    admin: AdminSettings = AdminSettings()


def secret_values(settings: Settings) -> list[str]:
    """Every secret of the configuration (tokens, keys, passwords), to mask wherever logs are kept."""
    sections = (getattr(settings, name) for name in settings.__struct_fields__)
    return [value for section in sections if isinstance(section, ConfigSection) for value in section.secret_values()]


SECTIONS: dict[str, type[msgspec.Struct]] = {
    name: field.type for name, field in zip(Settings.__struct_fields__, msgspec.structs.fields(Settings), strict=True)
}


class ConfigError(Exception):
    """A configuration problem; `key` is `section.key` (or the file / variable at fault)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"config error: {key}: {problem}")
        self.key = key
        self.problem = problem


def config_path(cli_path: str | None, environ: Mapping[str, str]) -> Path | None:
    """The config file named by --config, else by SHOPKEEPER_CONFIG, else none."""
    path = cli_path or environ.get(CONFIG_ENV)
    return Path(path) if path else None


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(str(path), "file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(str(path), f"not valid TOML: {error}") from None


def env_overrides(environ: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """`SHOPKEEPER_WEB_PORT=9000` → {"web": {"port": "9000"}}; unknown names are errors. A secret's
    `SHOPKEEPER_<SECTION>_<KEY>_FILE` names a file holding its value (trailing newlines dropped)."""
    overrides: dict[str, dict[str, str]] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name in (CONFIG_ENV, LOG_LEVEL_ENV):
            continue
        rest = name[len(ENV_PREFIX) :].lower()
        section = next((s for s in SECTIONS if rest.startswith(s + "_")), None)
        if section is None:
            raise ConfigError(name, f"unknown section: expected one of {', '.join(sorted(SECTIONS))}")
        key = rest[len(section) + 1 :]
        if key not in SECTIONS[section].__struct_fields__:
            secret = key.removesuffix(FILE_SUFFIX)
            if secret == key or secret not in getattr(SECTIONS[section], "secrets", {}):
                raise ConfigError(name, f"unknown key {section}.{key}")
            if name.removesuffix(FILE_SUFFIX.upper()) in environ:
                raise ConfigError(name, f"{section}.{secret} is set twice: give the variable or its _FILE, not both")
            key, value = secret, _read_secret(name, value)
        overrides.setdefault(section, {})[key] = value
    return overrides


def _read_secret(name: str, path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(name, f"cannot read the secret file {path}: {getattr(error, 'strerror', None) or error}") from None


def merge(base: dict[str, Any], overrides: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    merged = {section: dict(values) if isinstance(values, dict) else values for section, values in base.items()}
    for section, values in overrides.items():
        target = merged.setdefault(section, {})
        if not isinstance(target, dict):
            raise ConfigError(section, "must be a table")
        target.update(values)
    return merged


def load_settings(
    cli_path: str | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    defaults: Mapping[str, Mapping[str, Any]] | None = None,
) -> Settings:
    """The effective settings: `defaults` (for the sandbox), then the file, then the environment."""
    return validate(_gather(cli_path, environ, defaults))


class OperatorSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What operator commands need: the data, the shop's rules (a top-up pays referral rewards), and
    the web app's address and the owner (sign-in links)."""

    storage: StorageSettings = StorageSettings()
    shop: ShopSettings = ShopSettings()
    admin: AdminSettings = AdminSettings()
    web: WebSettings = WebSettings()
    # telegram.owner_id when the config gives one (0: it does not; operator commands need no bot token).
    owner_id: int = 0


def load_operator_settings(cli_path: str | None = None, environ: Mapping[str, str] | None = None) -> OperatorSettings:
    """The [storage], [shop], [admin] and [web] sections and telegram.owner_id, with the same sources and
    checks: operator commands need no bot token. Other sections are checked for unknown names only."""
    data = _gather(cli_path, environ, None)
    _check_sections(data)
    sections: dict[str, Any] = {name: data.get(name, {}) for name in ("storage", "shop", "admin", "web")}
    try:
        settings = msgspec.convert(
            {**sections, "owner_id": data.get("telegram", {}).get("owner_id", 0)}, OperatorSettings, strict=False
        )
    except msgspec.ValidationError as error:
        failure = _config_error(error)
        raise (ConfigError("telegram.owner_id", failure.problem) if failure.key == "owner_id" else failure) from None
    _check_storage(settings.storage)
    _check_shop(settings.shop)
    _check_web(settings.web)
    return settings


def _gather(
    cli_path: str | None, environ: Mapping[str, str] | None, defaults: Mapping[str, Mapping[str, Any]] | None
) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    path = config_path(cli_path, environ)
    data = merge({k: dict(v) for k, v in (defaults or {}).items()}, read_toml(path) if path else {})
    return merge(data, env_overrides(environ))


def _check_sections(data: dict[str, Any]) -> None:
    for section, values in data.items():
        if section not in SECTIONS:
            raise ConfigError(section, f"unknown section: expected one of {', '.join(sorted(SECTIONS))}")
        if not isinstance(values, dict):
            raise ConfigError(section, "must be a table")


def _check_storage(storage: StorageSettings) -> None:
    try:
        backend_of(storage.database_url)
    except ValueError as error:
        raise ConfigError("storage.database_url", str(error)) from None
    if storage.stock_key:
        try:
            parse_stock_key(storage.stock_key)
        except ValueError as error:
            raise ConfigError("storage.stock_key", str(error)) from None


def validate(data: dict[str, Any]) -> Settings:
    _check_sections(data)
    if "telegram" not in data:
        raise ConfigError("telegram.token", "required value is missing")
    try:
        settings = msgspec.convert(data, Settings, strict=False)
    except msgspec.ValidationError as error:
        raise _config_error(error) from None
    if not TOKEN_RE.match(settings.telegram.token):
        raise ConfigError("telegram.token", "not a bot token (expected <digits>:<secret> as given by @BotFather)")
    if settings.telegram.token == EXAMPLE_TOKEN:
        raise ConfigError("telegram.token", "still the example's placeholder: put your bot's token from @BotFather")
    if settings.telegram.owner_id == EXAMPLE_OWNER_ID:
        raise ConfigError("telegram.owner_id", "still the example's placeholder: put your own Telegram user id")
    _check_webhook(settings.telegram)
    _check_storage(settings.storage)
    _check_web(settings.web)
    _check_shop(settings.shop)
    _check_payments(settings.payments)
    _check_admin(settings.admin, settings.telegram)
    return settings


def _check_webhook(telegram: TelegramSettings) -> None:
    """Webhook mode needs the secret Telegram sends back (without it anyone could post updates); a
    secret given in polling mode is checked too, so `shopkeeper webhook set` never sends a bad one."""
    if telegram.mode == "webhook" and not telegram.webhook_secret:
        raise ConfigError(
            "telegram.webhook_secret",
            "required in webhook mode: 1-256 of A-Z a-z 0-9 _ - (e.g. openssl rand -hex 32)",
        )
    if telegram.webhook_secret and not WEBHOOK_SECRET_RE.fullmatch(telegram.webhook_secret):
        raise ConfigError("telegram.webhook_secret", "must be 1-256 characters of A-Z a-z 0-9 _ - (as Telegram accepts)")
    if not telegram.webhook_path.startswith("/"):
        raise ConfigError("telegram.webhook_path", "must be a path starting with /, e.g. /telegram/webhook")
    if telegram.webhook_url and not re.match(r"^https://[^/\s]+/\S*$", telegram.webhook_url):
        raise ConfigError("telegram.webhook_url", "must be an https:// address, e.g. https://shop.example.com/telegram/webhook")


def _check_web(web: WebSettings) -> None:
    if not 0 <= web.port <= 65535:
        raise ConfigError("web.port", "must be between 0 (any free port) and 65535")
    if web.public_url and not re.match(r"^https?://[^/\s]+(/\S*)?$", web.public_url):
        raise ConfigError("web.public_url", "must be an http:// or https:// address, e.g. https://shop.example.com")


def _check_shop(shop: ShopSettings) -> None:
    if not 0 <= shop.referral_percent <= 100:
        raise ConfigError("shop.referral_percent", "must be between 0 and 100")
    for key in ("referral_cap_per_referral", "referral_cap_total"):
        if getattr(shop, key) < 0:
            raise ConfigError(f"shop.{key}", "must be 0 (no cap) or more")
    if shop.default_language not in LANGUAGES:
        raise ConfigError("shop.default_language", f"must be one of {', '.join(LANGUAGES)}")


def _check_payments(payments: PaymentSettings) -> None:
    for key in ("stars_per_unit", "min_topup", "max_topup"):
        value = getattr(payments, key)
        if not value.is_finite() or value <= 0:
            raise ConfigError(f"payments.{key}", "must be a number above 0")
    if payments.max_topup < payments.min_topup:
        raise ConfigError("payments.max_topup", "must not be below payments.min_topup")
    if payments.cryptopay_token and not payments.cryptopay_assets:
        raise ConfigError("payments.cryptopay_assets", "must name at least one asset when CryptoPay is on")
    if not payments.methods():
        raise ConfigError("payments.stars", "no payment method is on: keep Stars on or configure another method")


def _check_admin(admin: AdminSettings, telegram: TelegramSettings) -> None:
    if not admin.paid_broadcast and admin.broadcast_rate > telegram.global_rate:
        raise ConfigError(
            "admin.broadcast_rate",
            f"must not exceed telegram.global_rate ({telegram.global_rate:g}/s) unless admin.paid_broadcast is on",
        )


def _config_error(error: msgspec.ValidationError) -> ConfigError:
    # msgspec says e.g. "Expected `int`, got `str` - at `$.web.port`" or
    # "Object missing required field `token` - at `$.telegram`"; values never appear in it.
    message, _, where = str(error).partition(" - at ")
    key = where.strip("`").removeprefix("$").lstrip(".")
    if field := re.search(r"(?:missing required|unknown) field `([^`]+)`", message):
        key = f"{key}.{field.group(1)}" if key else field.group(1)
        message = "required value is missing" if "missing" in message else "unknown key"
    return ConfigError(key or "config", message)


def masked(settings: Settings) -> dict[str, dict[str, Any]]:
    """The settings as plain data with every secret hidden as the sections' reprs hide them (each
    section's `secrets`), for `shopkeeper config check`."""
    data: dict[str, dict[str, Any]] = msgspec.to_builtins(settings)
    for name in Settings.__struct_fields__:
        for key, mask in getattr(getattr(settings, name), "secrets", {}).items():
            if data[name][key]:
                data[name][key] = mask(data[name][key])
    return data


def render_toml(data: Mapping[str, Mapping[str, Any]]) -> str:
    lines: list[str] = []
    for section, values in data.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
