"""Operator commands, on SQLite and PostgreSQL: each that changes the shop writes its audit event as
the operator (no actor id: the owner's rights) in the same transaction as the change, and amounts are
read as the chat reads them, a bad one refused naming the argument with nothing changed."""

import os
from decimal import Decimal
from pathlib import Path

import pytest
import trio

from actors.cli import main
from storage import AuditRecord, StorageSettings, open_store
from tests.support.shop import storage_section

OWNER = 42


def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [k for k in os.environ if k.startswith("SHOPKEEPER_")]:
        monkeypatch.delenv(name)


def prepared(tmp_path: Path, database_url: str) -> str:
    """A config on the test's database, holding users 1001 and 1002 (who /started the bot)."""
    config = tmp_path / "shop.toml"
    config.write_text(f"[telegram]\nowner_id = {OWNER}\n\n{storage_section(database_url)}")

    async def register() -> None:
        async with open_store(StorageSettings(database_url=database_url)) as store:
            for user_id in (1001, 1002):
                await store.register_user(
                    user_id, username=f"u{user_id}", first_name="U", language_code="en", owner_id=OWNER, referrer_id=None
                )

    trio.run(register)
    return str(config)


def shopkeeper(config: str, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, list[str]]:
    """The command in this process (a subprocess per command would cost a second each)."""
    try:
        main(["--config", config, *args])
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    out, err = capsys.readouterr()
    return code, out, err.strip().splitlines()


def shop_state(database_url: str) -> tuple[list[AuditRecord], Decimal, int, int]:
    """The audit log (oldest first), user 1001's balance and ledger length, and how many items there are."""

    async def read() -> tuple[list[AuditRecord], Decimal, int, int]:
        async with open_store(StorageSettings(database_url=database_url), migrate=False) as store:
            events = (await store.audit_page(1, 100)).rows
            user = await store.get_user(1001)
            assert user is not None
            ledger = await store.ledger_page(1001, 1, 100)
            items = sum(category.item_count for category in await store.list_categories())
            return events[::-1], user.balance, ledger.total, items

    return trio.run(read)


def test_every_command_that_changes_the_shop_is_audited_as_the_operator(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clean_env(monkeypatch)
    config = prepared(tmp_path, database_url)
    (tmp_path / "keys.txt").write_text("K1\nK2\nK1\n")
    (tmp_path / "shop.csv").write_text("category,title,price,unit\nBooks,Guide,2.00,G1\n")
    commands = [
        ("catalog", "add-category", "Games"),
        ("catalog", "add-category", "RPG", "--parent", "Games"),
        ("catalog", "add-item", "--category", "RPG", "--title", "Quest", "--price", "7.50"),
        ("catalog", "add-stock", "--item", "Quest", "--file", str(tmp_path / "keys.txt")),
        ("catalog", "import", str(tmp_path / "shop.csv")),
        ("user", "credit", "1001", "10", "--reason", "paid in cash"),
        ("user", "credit", "1001", "2.50", "--kind", "adjustment", "--reason", "typo"),
        ("admin", "grant", "1002", "--permissions", "stock"),
        ("admin", "revoke", "1002"),
        ("promo", "add", "summer", "--kind", "percent", "--value", "15"),
        ("promo", "disable", "summer"),
        ("broadcast", "send", "--text", "Hello"),
    ]
    for command in commands:
        code, _, errors = shopkeeper(config, capsys, *command)
        assert (code, errors) == (0, []), command

    events, balance, entries, _ = shop_state(database_url)
    assert [(event.action, event.actor_id) for event in events] == [
        ("category.create", None), ("category.create", None), ("item.create", None), ("stock.add", None),
        ("catalog.import", None), ("balance.topup", None), ("balance.adjust", None), ("admin.grant", None),
        ("admin.revoke", None), ("promo.create", None), ("promo.disable", None), ("broadcast.create", None),
    ]
    by_action = {event.action: event for event in events}
    quest = by_action["item.create"].target
    assert (by_action["stock.add"].target, by_action["stock.add"].detail) == (quest, "2 added, 1 duplicates")
    assert by_action["catalog.import"].detail == "1 categories created, 1 items created, 1 units added, 0 duplicates"
    assert (by_action["balance.topup"].target, by_action["balance.topup"].detail) == ("1001", "+10.00 paid in cash")
    assert by_action["balance.adjust"].detail == "+2.50 typo"
    assert not any(event.security for event in events)
    assert (balance, entries) == (Decimal("12.50"), 2)


BAD_AMOUNTS = ["1e9", "1e3", "1E+3", "12.345", "-0", "0", "-5", "99999999999999999999", "NaN", "Infinity", "", "1.2.3"]


@pytest.mark.parametrize("typed", BAD_AMOUNTS)
def test_a_bad_amount_is_refused_naming_the_argument_and_changes_nothing(
    typed: str, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clean_env(monkeypatch)
    config = prepared(tmp_path, sqlite_url)
    assert shopkeeper(config, capsys, "catalog", "add-category", "Games")[0] == 0
    for command, argument in (
        (("user", "credit", "1001", typed), "AMOUNT"),
        (("catalog", "add-item", "--category", "Games", "--title", "Quest", "--price", typed), "--price"),
        (("promo", "add", "BIG", "--kind", "fixed", "--value", typed), "--value"),
        (("promo", "add", "BIG", "--kind", "credit", "--value", typed), "--value"),
    ):
        code, out, errors = shopkeeper(config, capsys, *command)
        assert (code, out, len(errors)) == (2, "", 1), (command, errors)
        assert errors[0].startswith(f"error: {argument}: ") and repr(typed) in errors[0], errors
    events, balance, entries, items = shop_state(sqlite_url)
    assert [event.action for event in events] == ["category.create"]
    assert (balance, entries, items) == (Decimal("0.00"), 0, 0)


def test_amounts_and_user_ids_the_shell_gets_wrong_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The messages say what an amount is; a user id is a positive 64-bit number; a reason is short."""
    clean_env(monkeypatch)
    config = prepared(tmp_path, f"sqlite://{tmp_path}/shop.db")
    assert shopkeeper(config, capsys, "user", "credit", "1001", "1e9")[2] == [
        "error: AMOUNT: an amount like 10 or 12.50 (digits, at most two decimals, at most 16 characters), got '1e9'"
    ]
    assert shopkeeper(config, capsys, "user", "credit", "1001", "-0")[2] == ["error: AMOUNT: must be a positive amount, got '-0'"]
    for user_id in ("ann", "0", "-1001", "9" * 20, "1" * 5000):
        code, _, errors = shopkeeper(config, capsys, "user", "credit", user_id, "10")
        assert code == 2 and errors == [f"error: USER_ID: {user_id!r} is not a Telegram user id"]
    code, _, errors = shopkeeper(config, capsys, "user", "credit", "1001", "10", "--reason", "x" * 201)
    assert (code, errors) == (2, ["error: --reason: at most 200 characters"])
    # As in the chat, a comma works as the point; the longest amount is 16 characters.
    assert shopkeeper(config, capsys, "user", "credit", "1001", "2,5")[:2] == (
        0, "credited 2.50 to user 1001; balance is now 2.50\n"
    )
    assert shopkeeper(config, capsys, "user", "credit", "1002", "9999999999999.99")[:2] == (
        0, "credited 9999999999999.99 to user 1002; balance is now 9999999999999.99\n"
    )
