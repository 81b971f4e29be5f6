"""Secrets read from files (SHOPKEEPER_<SECTION>_<KEY>_FILE), as Docker and Kubernetes mount them."""

from pathlib import Path

import pytest

from actors.config import ConfigError, load_settings
from storage import StorageSettings
from storage.config import tortoise_config
from tests.support.processes import SECRET, STOCK_KEY, shopkeeper, write_config

OWNER = {"SHOPKEEPER_TELEGRAM_OWNER_ID": "42"}


def secret_file(tmp_path: Path, name: str, value: str) -> str:
    path = tmp_path / name
    path.write_text(value + "\n")  # `echo value > file` and most secret stores end with a newline
    return str(path)


def test_each_secret_can_come_from_a_file(tmp_path: Path) -> None:
    settings = load_settings(environ={
        **OWNER,
        "SHOPKEEPER_TELEGRAM_TOKEN_FILE": secret_file(tmp_path, "token", SECRET),
        "SHOPKEEPER_STORAGE_DATABASE_URL_FILE": secret_file(tmp_path, "url", "postgres://shop:hunter2@db/shop"),
        "SHOPKEEPER_STORAGE_DATABASE_PASSWORD_FILE": secret_file(tmp_path, "password", "pa ss\tword"),
        "SHOPKEEPER_STORAGE_REDIS_URL_FILE": secret_file(tmp_path, "redis", "redis://:r3d1s@cache:6379/0"),
        "SHOPKEEPER_PAYMENTS_PROVIDER_TOKEN_FILE": secret_file(tmp_path, "provider", "284685063:TEST:x"),
        "SHOPKEEPER_PAYMENTS_CRYPTOPAY_TOKEN_FILE": secret_file(tmp_path, "crypto", "1:crypto"),
        "SHOPKEEPER_WEB_METRICS_TOKEN_FILE": secret_file(tmp_path, "metrics", "scrape-me"),
    })
    assert settings.telegram.token == SECRET
    assert settings.storage.database_url == "postgres://shop:hunter2@db/shop"
    assert settings.storage.database_password == "pa ss\tword"
    assert settings.storage.redis_url == "redis://:r3d1s@cache:6379/0"
    assert (settings.payments.provider_token, settings.payments.cryptopay_token) == ("284685063:TEST:x", "1:crypto")
    assert settings.web.metrics_token == "scrape-me"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHOPKEEPER_TELEGRAM_TOKEN_FILE": "/nonexistent/token"}, "cannot read the secret file /nonexistent/token"),
        ({"SHOPKEEPER_TELEGRAM_TOKEN_FILE": "{token}", "SHOPKEEPER_TELEGRAM_TOKEN": SECRET}, "set twice"),
        ({"SHOPKEEPER_WEB_PORT_FILE": "{token}"}, "unknown key web.port_file"),
    ],
)
def test_a_secret_file_that_cannot_be_used_is_a_one_line_error(tmp_path: Path, env: dict[str, str], message: str) -> None:
    token = secret_file(tmp_path, "token", SECRET)
    with pytest.raises(ConfigError) as error:
        load_settings(environ={**OWNER, **{name: value.format(token=token) for name, value in env.items()}})
    assert message in str(error.value) and SECRET not in str(error.value)
    assert error.value.key == next(iter(env))


def test_config_check_masks_secrets_read_from_files(tmp_path: Path) -> None:
    config = write_config(tmp_path / "shop.toml")
    result = shopkeeper(
        "--config", str(config), "config", "check", cwd=tmp_path, SHOPKEEPER_STORAGE_STOCK_KEY=STOCK_KEY,
        SHOPKEEPER_STORAGE_DATABASE_PASSWORD_FILE=secret_file(tmp_path, "password", "hunter2"),
        SHOPKEEPER_WEB_METRICS_TOKEN_FILE=secret_file(tmp_path, "metrics", "scrape-me"),
    )
    assert result.returncode == 0, result.stderr
    assert 'database_password = "****"' in result.stdout and "hunter2" not in result.stdout
    assert 'metrics_token = "****"' in result.stdout and "scrape-me" not in result.stdout


def test_the_database_password_key_wins_over_the_urls() -> None:
    """database_url without a password plus database_password, as compose.yaml passes them."""
    for url in ("postgres://shop@db:5432/shop", "postgres://shop:old@db:5432/shop"):
        config = tortoise_config(StorageSettings(database_url=url, database_password="Secret pass"))
        credentials = config["connections"]["postgres"]["credentials"]
        assert (credentials["user"], credentials["password"], credentials["host"]) == ("shop", "Secret pass", "db")
