"""Operator commands for the staff: admins with permissions, and broadcasts queued from the shell."""

from pathlib import Path

from storage import StorageSettings, open_store
from tests.support.processes import shopkeeper, write_config

OWNER = 42

async def registered(tmp_path: Path, *user_ids: int) -> None:
    """Users who /started the bot (the shop registers them; here the store does it directly)."""
    async with open_store(StorageSettings(database_url=f"sqlite://{tmp_path}/shop.db")) as store:
        for user_id in user_ids:
            await store.register_user(
                user_id, username=f"u{user_id}", first_name="U", language_code="ru" if user_id == 1002 else "en",
                owner_id=OWNER, referrer_id=None,
            )

def run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    config = str(tmp_path / "shop.toml")
    result = shopkeeper("--config", config, *args, cwd=tmp_path)
    return result.returncode, result.stdout.strip(), result.stderr.strip()

async def test_admins_are_granted_listed_and_revoked(tmp_path: Path) -> None:
    write_config(tmp_path / "shop.toml")
    await registered(tmp_path, OWNER, 1001)
    assert run(tmp_path, "admin", "grant", "1001", "--permissions", "stock, catalog") == (
        0, "user 1001 is an admin with: catalog, stock", ""
    )
    assert run(tmp_path, "admin", "list") == (0, "1001\t@u1001\tcatalog,stock", "")
    assert run(tmp_path, "admin", "grant", "1001", "--permissions", "all")[1] == (
        "user 1001 is an admin with: catalog, stock, users, payments, broadcast, statistics, money"
    )
    # The operator at the shell holds the owner's rights: money is theirs to give.
    assert run(tmp_path, "admin", "grant", "1001", "--permissions", "money") == (0, "user 1001 is an admin with: money", "")
    assert run(tmp_path, "admin", "revoke", "1001") == (0, "user 1001 is now a user", "")
    assert run(tmp_path, "admin", "list") == (0, "no admins", "")

async def test_bad_admin_commands_name_the_argument_and_change_nothing(tmp_path: Path) -> None:
    write_config(tmp_path / "shop.toml")
    await registered(tmp_path, OWNER, 1001)
    code, _, error = run(tmp_path, "admin", "grant", "1001", "--permissions", "stock,refunds")
    assert (code, error) == (2, "error: --permissions: unknown permission 'refunds': use catalog,stock,users,payments,broadcast,statistics,money or all")
    code, _, error = run(tmp_path, "admin", "grant", "ann", "--permissions", "stock")
    assert code == 2 and "USER_ID" in error
    code, _, error = run(tmp_path, "admin", "grant", "999", "--permissions", "stock")
    assert code == 1 and "unknown user 999" in error
    code, _, error = run(tmp_path, "admin", "revoke", str(OWNER))
    assert (code, error) == (1, "error: user 42 is the owner: cannot revoke the owner")
    assert run(tmp_path, "admin", "list") == (0, "no admins", "")

async def test_a_broadcast_is_queued_for_its_audience(tmp_path: Path) -> None:
    write_config(tmp_path / "shop.toml")
    await registered(tmp_path, OWNER, 1001, 1002)
    assert run(tmp_path, "broadcast", "send", "--text", "<b>Hi</b>", "--audience", "lang:ru") == (
        0, "broadcast #1 queued for 1 users; the running shop sends it and reports to the owner", ""
    )
    code, _, error = run(tmp_path, "broadcast", "send", "--text", "Hi", "--audience", "friends")
    assert (code, error) == (2, "error: --audience: unknown audience 'friends': use all, buyers or lang:<code>")
    code, _, error = run(tmp_path, "broadcast", "send", "--text", "Hi", "--button-text", "Go")
    assert (code, error) == (2, "error: --button-text and --button-url go together")
    code, _, error = run(tmp_path, "broadcast", "send", "--text", "  ")
    assert (code, error) == (2, "error: --text: 1 to 4096 characters")
    async with open_store(StorageSettings(database_url=f"sqlite://{tmp_path}/shop.db")) as store:
        [job] = await store.recent_broadcasts(10)
        assert (job.text, job.audience, job.status, job.total) == ("<b>Hi</b>", "lang:ru", "running", 1)
