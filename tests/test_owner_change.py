"""A new telegram.owner_id takes the shop over at start: the former owner is a plain user from then on,
on SQLite and PostgreSQL."""

from storage import StorageSettings, open_store
from tests.support.chat import reply_to
from tests.support.shop import OWNER_ID, open_shop

NEW_OWNER = 1002
STAFF_ONLY = "⛔ This is for the shop's staff only."


async def owner_changes(database_url: str) -> list[tuple[str, str]]:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        page = await store.audit_page(1, 50)
        return [(row.target, row.detail) for row in reversed(page.rows) if row.action == "owner.change"]


async def test_a_former_owner_keeps_no_rights_after_the_owner_changes(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        for user_id in (OWNER_ID, NEW_OWNER):
            await reply_to(shop.emu.user(user_id, f"U{user_id}"), "/start")
        assert (await reply_to(shop.emu.user(OWNER_ID), "/admin"))["text"].startswith("🛠")
        await shop.store.grant_admin(NEW_OWNER, ["stock"], actor_id=OWNER_ID)

    async with open_shop(database_url, owner_id=NEW_OWNER) as shop:
        former, new = await shop.store.get_user(OWNER_ID), await shop.store.get_user(NEW_OWNER)
        assert former is not None and (former.role, former.permissions) == ("user", ())
        assert new is not None and (new.role, new.permissions) == ("owner", ())
        assert (await reply_to(shop.emu.user(OWNER_ID, "U1"), "/admin"))["text"] == STAFF_ONLY
        assert "You are the owner" in (await reply_to(shop.emu.user(NEW_OWNER, "U1002"), "/admin"))["text"]
    assert await owner_changes(database_url) == [(str(NEW_OWNER), f"owner is now {NEW_OWNER}; former owner {OWNER_ID} demoted to user")]

    # Starting again with the same owner changes nothing and logs nothing.
    async with open_shop(database_url, owner_id=NEW_OWNER) as shop:
        former = await shop.store.get_user(OWNER_ID)
        assert former is not None and former.role == "user"
    assert len(await owner_changes(database_url)) == 1
