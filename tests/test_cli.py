"""The command line: config errors name the key and hide the token; operator commands work."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SHOPKEEPER = str(Path(sys.executable).parent / "shopkeeper")
SECRET = "987654:SuperSecretTokenValue"


def shopkeeper(*args: str, cwd: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHOPKEEPER_")}
    return subprocess.run(
        [SHOPKEEPER, *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=60, env={**clean, **env}
    )


def write_config(path: Path, extra: str = "", token: str = SECRET) -> Path:
    path.write_text(f'[telegram]\ntoken = "{token}"\nowner_id = 42\n{extra}\n[storage]\ndatabase_url = "sqlite://{path.parent}/shop.db"\n')
    return path


@pytest.mark.parametrize(
    ("extra", "env", "key"),
    [
        ("[web]\nport = \"eighty\"\n", {}, "web.port"),
        ("[web]\nhots = \"0.0.0.0\"\n", {}, "web.hots"),
        ("", {"SHOPKEEPER_TELEGRAM_OWNER_ID": "me"}, "telegram.owner_id"),
        ("", {"SHOPKEEPER_WEB_NOPE": "1"}, "SHOPKEEPER_WEB_NOPE"),
        ("[storage2]\nx = 1\n", {}, "storage2"),
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
    config = write_config(tmp_path / "shop.toml")
    result = shopkeeper("--config", str(config), "config", "check", cwd=tmp_path, SHOPKEEPER_WEB_PORT="9090",
                        SHOPKEEPER_LOG_LEVEL="warning",
                        SHOPKEEPER_STORAGE_DATABASE_URL="postgres://shop:hunter2@db:5432/shop")
    assert result.returncode == 0, result.stderr
    assert 'token = "987654:****"' in result.stdout
    assert "port = 9090" in result.stdout
    assert 'database_url = "postgres://shop:****@db:5432/shop"' in result.stdout
    assert "SuperSecret" not in result.stdout + result.stderr and "hunter2" not in result.stdout


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
