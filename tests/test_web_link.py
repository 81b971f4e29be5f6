"""Getting a sign-in link to the web app: `/web` in the chat for the owner or an admin, and
`shopkeeper web link` at the shell; refused (and audited) for anyone who is not staff. Each link
signs its staff member in once."""

from pathlib import Path

from storage import NewWebSession, StorageSettings, Store, open_store
from telegram.emulator import EmulatedUser
from tests.support.chat import reply_to
from tests.support.processes import shopkeeper, write_config
from tests.support.shop import OWNER_ID, RunningShop, open_shop

LINK_PREFIX = "http://127.0.0.1:0/sign-in/"


async def redeems(store: Store, link: str, user_id: int, owner_id: int) -> bool:
    session = await store.redeem_sign_in(link.removeprefix(LINK_PREFIX), hours=1, owner_id=owner_id, address="test")
    return isinstance(session, NewWebSession) and session.user_id == user_id


async def started(shop: RunningShop, user_id: int, name: str, language: str = "en") -> EmulatedUser:
    user = shop.emu.user(user_id, name, language_code=language)
    await user.send_text("/start")
    await user.wait_for_text("Welcome" if language == "en" else "Добро")
    return user


async def test_web_in_the_chat_sends_staff_a_link_without_a_preview(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        owner = await started(shop, OWNER_ID, "Owner")
        ann = await started(shop, 1001, "Ann")
        await shop.store.grant_admin(1001, ["stock"], actor_id=OWNER_ID)
        for user, user_id, opening in ((owner, OWNER_ID, "Your sign-in link"), (ann, 1001, "Your sign-in link")):
            message = await reply_to(user, "/web")
            lines = message["text"].splitlines()
            assert lines[0].startswith(opening) and lines[-1].startswith(LINK_PREFIX)
            assert message["link_preview_options"] == {"is_disabled": True}
            assert await redeems(shop.store, lines[-1], user_id, OWNER_ID)
            assert not await redeems(shop.store, lines[-1], user_id, OWNER_ID)


async def test_web_in_the_chat_is_refused_to_buyers_and_audited(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        bob = await started(shop, 1002, "Bob")
        assert (await reply_to(bob, "/web"))["text"] == "⛔ This is for the shop's staff only."
        page = await shop.store.audit_page(1, 10, security_only=True)
        assert [(row.action, row.actor_id, row.target) for row in page.rows] == [("permission.refused", 1002, "web.link")]


async def test_the_russian_text_has_the_link_too(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        owner = await started(shop, OWNER_ID, "Owner", "ru")
        message = await reply_to(owner, "/web")
        assert message["text"].startswith("Ваша ссылка для входа") and message["text"].splitlines()[-1].startswith(LINK_PREFIX)


async def test_web_link_at_the_shell_prints_the_link_last_and_refuses_non_staff(tmp_path: Path) -> None:
    config = write_config(tmp_path / "shop.toml", '[web]\npublic_url = "https://shop.example.com/"\n')
    async with open_store(StorageSettings(database_url=f"sqlite://{tmp_path}/shop.db")) as store:
        for user_id in (42, 1001, 1002):
            await store.register_user(user_id, username=None, first_name="U", language_code="en", owner_id=42, referrer_id=None)
        await store.grant_admin(1001, [], actor_id=42)
    owner = shopkeeper("--config", str(config), "web", "link", cwd=tmp_path)
    admin = shopkeeper("--config", str(config), "web", "link", "--user", "1001", cwd=tmp_path)
    buyer = shopkeeper("--config", str(config), "web", "link", "--user", "1002", cwd=tmp_path)
    assert (owner.returncode, admin.returncode) == (0, 0), owner.stderr + admin.stderr
    links = [result.stdout.strip().splitlines()[-1] for result in (owner, admin)]
    assert all(link.startswith("https://shop.example.com/sign-in/") for link in links)
    refusal = "error: user 1002 is not staff of this shop: no sign-in link"
    assert (buyer.returncode, buyer.stdout, buyer.stderr.strip()) == (1, "", refusal)
    async with open_store(StorageSettings(database_url=f"sqlite://{tmp_path}/shop.db")) as store:
        for link, user_id in zip(links, (42, 1001), strict=True):
            token = link.rsplit("/", 1)[1]
            session = await store.redeem_sign_in(token, hours=1, owner_id=42, address="test")
            assert isinstance(session, NewWebSession) and session.user_id == user_id
        page = await store.audit_page(1, 10, security_only=False)
        assert [(row.action, row.actor_id, row.target) for row in reversed(page.rows) if row.action != "admin.grant"] == [
            ("web.link", None, "42"),
            ("web.link", None, "1001"),
            ("permission.refused", 1002, "web.link"),
            ("web.sign_in", 42, "test"),
            ("web.sign_in", 1001, "test"),
        ]
