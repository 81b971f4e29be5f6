"""The command line: config errors name the key and hide the token; operator commands work."""

import os
from pathlib import Path

import pytest

from actors.cli import main
from actors.config import load_operator_settings, load_settings
from tests.support.processes import STOCK_KEY, shopkeeper, write_config


@pytest.mark.parametrize(
    ("extra", "env", "key"),
    [
        ("[web]\nport = \"eighty\"\n", {}, "web.port"),
        ("[web]\nhots = \"0.0.0.0\"\n", {}, "web.hots"),
        ("", {"SHOPKEEPER_TELEGRAM_OWNER_ID": "me"}, "telegram.owner_id"),
        ("", {"SHOPKEEPER_WEB_NOPE": "1"}, "SHOPKEEPER_WEB_NOPE"),
        ("[storage2]\nx = 1\n", {}, "storage2"),
        ("[payments]\nmin_topup = 10\nmax_topup = 5\n", {}, "payments.max_topup"),
        ("[payments]\nstars_per_unit = 0\n", {}, "payments.stars_per_unit"),
        ("[payments]\nstars = false\n", {}, "payments.stars"),
        ("", {"SHOPKEEPER_PAYMENTS_ORDER_TTL": "5"}, "payments.order_ttl"),
        ("[payments]\ncryptopay_open_invoices = 0\n", {}, "payments.cryptopay_open_invoices"),
        ("", {"SHOPKEEPER_PAYMENTS_CRYPTOPAY_CHECK_INTERVAL": "-1"}, "payments.cryptopay_check_interval"),
        ("[payments]\ncryptopay_token = \"1:x\"\ncryptopay_assets = []\n", {}, "payments.cryptopay_assets"),
        ("[admin]\nbroadcast_rate = 40\n", {}, "admin.broadcast_rate"),
        ("", {"SHOPKEEPER_ADMIN_AUDIT_RETENTION_DAYS": "-1"}, "admin.audit_retention_days"),
        ("", {"SHOPKEEPER_STORAGE_STOCK_KEY": "c2hvcnQ="}, "storage.stock_key"),
        ("[web]\npublic_url = \"shop.example.com\"\n", {}, "web.public_url"),
        ("", {"SHOPKEEPER_WEB_SESSION_HOURS": "0"}, "web.session_hours"),
    ],
)
def test_config_errors_name_the_key_and_hide_the_token(tmp_path: Path, extra: str, env: dict[str, str], key: str) -> None:
    config = write_config(tmp_path / "shop.toml", extra)
    result = shopkeeper("--config", str(config), "config", "check", cwd=tmp_path, **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and key in lines[0], result.stderr
    assert "SuperSecret" not in result.stdout + result.stderr


def test_missing_token_and_bad_token(tmp_path: Path) -> None:
    (tmp_path / "empty.toml").write_text("[telegram]\nowner_id = 1\n")
    missing = shopkeeper("--config", str(tmp_path / "empty.toml"), "config", "check", cwd=tmp_path)
    assert missing.returncode == 2 and "telegram.token: required value is missing" in missing.stderr
    bad = shopkeeper("--config", str(write_config(tmp_path / "bad.toml", token="SuperSecret")), "run", cwd=tmp_path)
    assert bad.returncode == 2 and "telegram.token" in bad.stderr and "SuperSecret" not in bad.stderr


def test_config_check_prints_the_effective_config_masked(tmp_path: Path) -> None:
    config = write_config(tmp_path / "shop.toml", '[payments]\nprovider_token = "284685063:TEST:ProviderSecret"\ncryptopay_token = "12345:CryptoSecret"\n')
    result = shopkeeper("--config", str(config), "config", "check", cwd=tmp_path, SHOPKEEPER_WEB_PORT="9090",
                        SHOPKEEPER_LOG_LEVEL="warning",
                        SHOPKEEPER_STORAGE_DATABASE_URL="postgres://shop:hunter2@db:5432/shop",
                        SHOPKEEPER_STORAGE_STOCK_KEY=STOCK_KEY)
    assert result.returncode == 0, result.stderr
    assert 'token = "987654:****"' in result.stdout
    assert "port = 9090" in result.stdout
    assert 'database_url = "postgres://shop:****@db:5432/shop"' in result.stdout
    assert "SuperSecret" not in result.stdout + result.stderr and "hunter2" not in result.stdout
    assert 'provider_token = "****"' in result.stdout and 'cryptopay_token = "****"' in result.stdout
    assert "ProviderSecret" not in result.stdout and "CryptoSecret" not in result.stdout
    assert 'stock_key = "****"' in result.stdout and STOCK_KEY not in result.stdout


def test_loaded_settings_show_no_secret_when_printed_or_logged(tmp_path: Path) -> None:
    """repr and str of the settings (what a log line, a traceback or a print shows) mask every secret
    they hold, in every section, and still say which database and services they name."""
    config = write_config(tmp_path / "shop.toml", '[payments]\nprovider_token = "284685063:TEST:ProviderSecret"\n'
                          'cryptopay_token = "12345:CryptoSecret"\n')
    environ = {"SHOPKEEPER_STORAGE_DATABASE_URL": "postgres://shop:hunter2@db:5432/shop",
               "SHOPKEEPER_STORAGE_REDIS_URL": "redis://:RedisSecret@cache:6379/0",
               "SHOPKEEPER_STORAGE_STOCK_KEY": STOCK_KEY}
    settings = load_settings(str(config), environ)
    operator = load_operator_settings(str(config), environ)
    secrets = ["SuperSecretTokenValue", "ProviderSecret", "CryptoSecret", "hunter2", "RedisSecret", STOCK_KEY]
    for shown in (repr(settings), str(settings), f"{settings}", repr(operator), repr(settings.storage),
                  str(settings.telegram), repr(settings.payments), repr(list(settings.storage.__rich_repr__()))):
        assert [secret for secret in secrets if secret in shown] == [], shown
    assert "postgres://shop:****@db:5432/shop" in repr(settings) and "redis://:****@cache:6379/0" in repr(operator)
    assert "token='987654:****'" in repr(settings) and "stock_key='****'" in repr(settings)
    assert "provider_token='****'" in repr(settings) and "cryptopay_token='****'" in repr(settings)


def test_catalog_and_credit_commands(tmp_path: Path) -> None:
    config = str(write_config(tmp_path / "shop.toml"))
    ok = lambda *a, stdin="": shopkeeper("--config", config, *a, cwd=tmp_path, stdin=stdin)  # noqa: E731
    assert ok("migrate").returncode == 0
    assert ok("catalog", "add-category", "Games").returncode == 0
    duplicate = ok("catalog", "add-category", "Games")
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    item = ok("catalog", "add-item", "--category", "Games", "--title", "Quest", "--price", "7.50")
    assert item.returncode == 0 and "7.50" in item.stdout
    unknown = ok("catalog", "add-item", "--category", "Nope", "--title", "X", "--price", "1")
    assert unknown.returncode == 1 and "unknown category 'Nope'" in unknown.stderr
    bad_price = ok("catalog", "add-item", "--category", "Games", "--title", "Y", "--price", "abc")
    assert bad_price.returncode == 2 and "--price" in bad_price.stderr
    (tmp_path / "keys.txt").write_text("K1\n\n  K2  \nK3\n")
    from_file = ok("catalog", "add-stock", "--item", "Quest", "--file", str(tmp_path / "keys.txt"))
    assert from_file.returncode == 0 and "added 3 unit(s)" in from_file.stdout
    from_stdin = ok("catalog", "add-stock", "--item", "Quest", stdin="K4\nK5\n")
    assert from_stdin.returncode == 0 and "added 2 unit(s)" in from_stdin.stdout
    nobody = ok("user", "credit", "555", "10")
    assert nobody.returncode == 1 and "/start" in nobody.stderr
    negative = ok("user", "credit", "555", "-10")
    assert negative.returncode == 2 and "AMOUNT" in negative.stderr
    not_an_id = ok("user", "credit", "ann", "10")
    assert not_an_id.returncode == 2 and "USER_ID" in not_an_id.stderr



def test_subcategories_and_item_kinds(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """In process (the commands above already run the installed binary): a dozen runs stay fast."""
    for name in [k for k in os.environ if k.startswith("SHOPKEEPER_")]:
        monkeypatch.delenv(name)
    config = str(write_config(tmp_path / "shop.toml"))

    def run(*args: str) -> tuple[int, str, list[str]]:
        try:
            main(["--config", config, "catalog", *args])
            code = 0
        except SystemExit as done:
            code = int(done.code or 0)
        out, err = capsys.readouterr()
        return code, out, err.strip().splitlines()

    def refused(result: tuple[int, str, list[str]], code: int, *words: str) -> None:
        assert result[0] == code and len(result[2]) == 1 and all(w in result[2][0] for w in words), result

    assert run("add-category", "Games")[0] == 0
    sub = run("add-category", "RPG", "--parent", "Games")
    assert sub[0] == 0 and "'RPG' created under 'Games'" in sub[1]
    refused(run("add-category", "Deep", "--parent", "RPG"), 1, "'RPG' is a subcategory")
    refused(run("add-category", "Lost", "--parent", "Nope"), 1, "unknown category 'Nope'")

    item = ["add-item", "--category", "RPG", "--price", "2.00", "--title"]
    unlimited = run(*item, "Guide", "--kind", "unlimited", "--content", "READ-ME-123")
    assert unlimited[0] == 0 and "unlimited" in unlimited[1]
    (tmp_path / "keys.txt").write_text("K1\n")
    refused(run("add-stock", "--item", "Guide", "--file", str(tmp_path / "keys.txt")), 1, "only 'unique' items take stock units")
    refused(run(*item, "No content", "--kind", "unlimited"), 2, "--content")
    refused(run(*item, "Stray content", "--content", "x"), 2, "--content", "unlimited")
    refused(run(*item, "Missing", "--kind", "file", "--file", str(tmp_path / "missing.pdf")), 2, "--file", "missing.pdf")
    refused(run(*item, "No file", "--kind", "file"), 2, "--file")
    (tmp_path / "manual.pdf").write_bytes(b"%PDF-1.7 manual")
    refused(run(*item, "Stray file", "--file", str(tmp_path / "manual.pdf")), 2, "--file", "--kind file")
    manual = run(*item, "Manual", "--kind", "file", "--file", str(tmp_path / "manual.pdf"))
    assert manual[0] == 0 and "file" in manual[1]
    refused(run(*item, "Bad photo", "--photo", "http://example.com/p.jpg"), 2, "--photo")
    pictured = run(*item, "Pictured", "--photo", "https://example.com/p.jpg", "--hidden")
    assert pictured[0] == 0 and "hidden" in pictured[1]
    bad_kind = run(*item, "Odd", "--kind", "bundle")
    assert bad_kind[0] == 2 and "--kind" in bad_kind[2][-1]
