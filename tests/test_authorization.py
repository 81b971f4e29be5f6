"""The authorization matrix: every staff action, pressed (or sent) by a buyer and by an admin who lacks
its permission, is refused plainly and audited as a security event; with the permission it goes
through. The buttons are forged (pressed on a message that never offered them), as a modified client
could; the permission each action needs is written here, independently of the screens."""

import logging
from decimal import Decimal
from typing import Any

import pytest

from account_helpers import press_data
from buying import reply_to
from conftest import OWNER_ID, RunningShop, open_shop
from helpers import eventually
from storage import PERMISSIONS
from telegram.callback_data import CallbackData
from telegram.emulator import EmulatedUser
from telegram.screens.admin import callbacks as admin

BUYER, ADMIN, TARGET = 1001, 1002, 1003
STAFF_ONLY = "⛔ This is for the shop's staff only."
OWNER_ONLY = "⛔ Only the owner can do this."
PERMISSION_NAME = {
    "catalog": "Catalog", "stock": "Stock", "users": "Users", "payments": "Payments", "broadcast": "Broadcasts",
    "statistics": "Statistics",
}

# (what is pressed, what it needs): "staff" = any admin, "owner" = the owner alone, else a permission.
ACTIONS: list[tuple[CallbackData, str]] = [
    (admin.AdminPanel(), "staff"),
    (admin.OpenAdmins(), "owner"),
    (admin.AddAdmin(), "owner"),
    (admin.EditAdmin(user_id=TARGET), "owner"),
    (admin.TogglePermission(user_id=TARGET, permission="stock", on=True), "owner"),
    (admin.RevokeAdmin(user_id=TARGET), "owner"),
    (admin.OpenAudit(), "owner"),
    (admin.ToggleMaintenance(on=False), "owner"),
    (admin.FindUser(), "users"),
    (admin.OpenUser(user_id=TARGET), "users"),
    (admin.UserLedger(user_id=TARGET), "users"),
    (admin.UserPurchases(user_id=TARGET), "users"),
    (admin.AdjustBalance(user_id=TARGET), "users"),
    (admin.SetBlocked(user_id=TARGET, blocked=False), "users"),
    (admin.UserPayments(user_id=TARGET), "payments"),
    (admin.OpenBroadcasts(), "broadcast"),
    (admin.NewBroadcast(), "broadcast"),
    (admin.BroadcastAudience(audience="all"), "broadcast"),
    (admin.BroadcastButton(), "broadcast"),
    (admin.SendBroadcast(), "broadcast"),
    (admin.OpenBroadcast(broadcast_id=1), "broadcast"),
    (admin.MoveBroadcast(broadcast_id=1, move="pause"), "broadcast"),
    (admin.AdminCatalog(), "catalog"),
    (admin.NewCategory(), "catalog"),
    (admin.RenameCategory(category_id=1), "catalog"),
    (admin.HideCategory(category_id=1, hidden=False), "catalog"),
    (admin.DeleteCategory(category_id=1), "catalog"),
    (admin.NewItem(category_id=1), "catalog"),
    (admin.AdminItem(item_id=1), "catalog"),
    (admin.EditItem(item_id=1, field="price"), "catalog"),
    (admin.HideItem(item_id=1, hidden=False), "catalog"),
    (admin.DeleteItem(item_id=1), "catalog"),
    (admin.OpenPromos(), "catalog"),
    (admin.NewPromo(), "catalog"),
    (admin.PromoKindChosen(code="SPRING", kind="percent"), "catalog"),
    (admin.DisablePromo(code="SPRING"), "catalog"),
    (admin.OpenStatistics(), "statistics"),
    (admin.OpenStock(), "stock"),
    (admin.ItemStock(item_id=1), "stock"),
    (admin.AddStock(item_id=1), "stock"),
    (admin.RemoveUnit(item_id=1, unit_id=1), "stock"),
]


def test_every_staff_button_is_in_the_matrix() -> None:
    """A new staff button must be added above, with what it needs."""
    in_matrix = {type(data) for data, _ in ACTIONS}
    buttons = {
        value for value in vars(admin).values()
        if isinstance(value, type) and issubclass(value, CallbackData) and value is not CallbackData
    }
    assert buttons - in_matrix <= {admin.AdminCancel}, sorted(b.__name__ for b in buttons - in_matrix)


async def refusals(shop: RunningShop) -> int:
    return (await shop.store.audit_page(1, 1, security_only=True)).total


async def press(shop: RunningShop, user: EmulatedUser, data: CallbackData) -> str:
    """Press a forged button; the text of the bot's answer to the press."""
    before = len(user.callback_answers)
    await press_data(shop, user, data.pack())
    await eventually(lambda: len(user.callback_answers) > before, what=f"an answer to {data}")
    return user.callback_answers[before].get("text") or ""


def refusal_for(need: str) -> str:
    if need == "owner":
        return OWNER_ONLY
    return f"⛔ This needs the “{PERMISSION_NAME[need]}” permission. Ask the owner if you need it."


@pytest.fixture
async def shop(sqlite_url: str) -> Any:
    async with open_shop(sqlite_url, chat_rate=100.0, chat_burst=100) as running:
        for user_id in (OWNER_ID, BUYER, ADMIN, TARGET):
            user = running.emu.user(user_id, f"U{user_id}")
            await reply_to(user, "/start")
        await running.store.add_category("Games")
        await running.store.add_item("Games", "Quest", Decimal("5.00"))
        yield running


@pytest.mark.parametrize(("data", "need"), ACTIONS, ids=[type(data).__name__ for data, _ in ACTIONS])
async def test_a_staff_action_needs_its_permission(
    shop: RunningShop, data: CallbackData, need: str, caplog: pytest.LogCaptureFixture
) -> None:
    buyer, staff, owner = shop.emu.user(BUYER), shop.emu.user(ADMIN), shop.emu.user(OWNER_ID)
    others = [name for name in PERMISSIONS if name != need]
    await shop.store.grant_admin(ADMIN, others, actor_id=OWNER_ID)

    audited = await refusals(shop)
    assert await press(shop, buyer, data) == STAFF_ONLY
    assert await refusals(shop) == audited + 1
    if need != "staff":
        assert await press(shop, staff, data) == refusal_for(need)
        assert await refusals(shop) == audited + 2

    # With the permission (the owner for owner-only actions) the action goes through: no refusal.
    audited = await refusals(shop)
    if need in PERMISSIONS:
        await shop.store.grant_admin(ADMIN, [need], actor_id=OWNER_ID)
    allowed = owner if need == "owner" else staff
    answer = await press(shop, allowed, data)
    assert not answer.startswith("⛔") and await refusals(shop) == audited
    events = await shop.store.audit_page(1, 5, security_only=True)
    assert all(e.action == "permission.refused" and e.actor_id in (BUYER, ADMIN) for e in events.rows)
    # ... and did not fail on the way (a crashed handler is logged as an error and the lane restarted).
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_commands_and_typed_answers_are_checked_too(shop: RunningShop) -> None:
    buyer, staff = shop.emu.user(BUYER), shop.emu.user(ADMIN)
    assert (await reply_to(buyer, "/admin"))["text"] == STAFF_ONLY
    assert (await reply_to(buyer, "/refund 123"))["text"] == STAFF_ONLY
    await shop.store.grant_admin(ADMIN, ["catalog"], actor_id=OWNER_ID)
    assert (await reply_to(staff, "/refund 123"))["text"] == refusal_for("payments")
    # A question asked while the admin had the permission is not answered once it is taken away.
    await press(shop, staff, admin.NewCategory())
    await staff.wait_for_text("Send the category's name")
    await shop.store.grant_admin(ADMIN, ["stock"], actor_id=OWNER_ID)
    assert (await reply_to(staff, "Sneaky"))["text"] == refusal_for("catalog")
    tree = await shop.store.category_tree(None)
    assert tree is not None and [c.name for c in tree.children] == ["Games"]
    # Each one's refusals within a minute are one row, named by the first, counting all.
    assert [(e.actor_id, e.target, e.count) for e in reversed((await shop.store.audit_page(1, 10, security_only=True)).rows)] == [
        (BUYER, "admin.panel", 2), (ADMIN, "refund", 2)
    ]
