"""The authorization matrix: every staff action, pressed (or sent) by a buyer and by an admin who lacks
its permission, is refused plainly and audited as a security event; with the permission it goes
through. The buttons are forged (pressed on a message that never offered them), as a modified client
could; the permission each action needs is written here, independently of the screens. Every staff
button and command is in the matrix, and every staff handler declares what it needs: the router tree
is walked for one that does not (`undeclared_staff_routes`, itself tested on a tree made to fail).

The money rules come after the matrix: credit codes and balance adjustments need the money permission,
nobody adjusts their own balance (the owner neither), and only the owner blocks an admin; the store
refuses each of them too, whoever calls it."""

import logging
from decimal import Decimal
from typing import Any

import pytest

from storage import PERMISSIONS, Permission, StaffRefused
from telegram.callback_data import CallbackData
from telegram.emulator import EmulatedUser
from telegram.routing import Context, Router
from telegram.screens import build_router
from telegram.screens.admin import callbacks as admin
from tests.support.chat import press_data, reply_to
from tests.support.shop import OWNER_ID, RunningShop, open_shop
from tests.support.waiting import eventually

BUYER, ADMIN, TARGET = 1001, 1002, 1003
STAFF_ONLY = "⛔ This is for the shop's staff only."
OWNER_ONLY = "⛔ Only the owner can do this."
OWN_BALANCE = "⛔ Nobody can adjust their own balance, not even the owner."
BLOCK_ADMIN = "⛔ Only the owner can block an admin."
PERMISSION_NAME = {
    "catalog": "Catalog", "stock": "Stock", "users": "Users", "payments": "Payments", "broadcast": "Broadcasts",
    "statistics": "Statistics", "money": "Money",
}

# (what is pressed, what it needs): "staff" = any admin, "owner" = the owner alone, else a permission.
ACTIONS: list[tuple[CallbackData, str]] = [
    (admin.AdminPanel(), "staff"),
    (admin.AdminCancel(), "staff"),
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
    (admin.AdjustBalance(user_id=TARGET), "money"),
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
    (admin.OpenNotices(), "staff"),
    (admin.ToggleNotice(kind="disputes", on=False), "staff"),
    (admin.DigestHours(), "staff"),
    (admin.SetDigestHour(hour=8), "staff"),
]
# The staff's commands, and what each needs.
COMMANDS = {"admin": "staff", "refund": "payments", "web": "staff"}
# Where the staff's screens live: every handler of a router named under it is a staff handler.
STAFF_SCREENS = "telegram.screens.admin."


def staff_buttons() -> set[type[CallbackData]]:
    return {
        value for value in vars(admin).values()
        if isinstance(value, type) and issubclass(value, CallbackData) and value is not CallbackData
    }


def undeclared_staff_routes(root: Router) -> list[str]:
    """The staff handlers in `root`'s tree that run without a declared need, as "router.handler": every
    handler of a staff router (one named under STAFF_SCREENS), and any handler elsewhere that a staff
    button, or a command or question of a staff router, reaches."""
    routes = list(root.routes())
    staff = {(d.route.kind, trigger) for d in routes if d.router.startswith(STAFF_SCREENS) for trigger in d.route.trigger}
    staff |= {("callback", button) for button in staff_buttons()}
    return [
        f"{d.router}.{d.route.handler.__name__}" for d in routes
        if d.need is None
        and (d.router.startswith(STAFF_SCREENS) or any((d.route.kind, trigger) in staff for trigger in d.route.trigger))
    ]


def test_every_staff_button_and_command_is_in_the_matrix() -> None:
    """A new staff button or command must be added above, with what it needs."""
    in_matrix = {type(data) for data, _ in ACTIONS}
    assert staff_buttons() - in_matrix == set(), sorted(b.__name__ for b in staff_buttons() - in_matrix)
    commands = {
        name for d in build_router().routes() if d.router.startswith(STAFF_SCREENS) and d.route.kind == "command"
        for name in d.route.trigger
    }
    assert commands == set(COMMANDS)


def test_every_staff_handler_declares_what_it_needs() -> None:
    assert undeclared_staff_routes(build_router()) == []


def test_the_declaration_check_finds_a_staff_handler_without_one() -> None:
    """The check above, on a tree with staff handlers that forgot their declaration."""
    root = Router(name="root")
    forgetful = root.include_router(Router(name=STAFF_SCREENS + "forgetful"))
    careful = root.include_router(Router(name=STAFF_SCREENS + "careful", need=Permission.STOCK))
    elsewhere = root.include_router(Router(name="telegram.screens.user.elsewhere"))

    @forgetful.callback(admin.OpenStock)
    async def no_need(ctx: Context, data: admin.OpenStock) -> None: ...

    @forgetful.callback(admin.OpenStatistics, need=Permission.STATISTICS)
    async def own_need(ctx: Context, data: admin.OpenStatistics) -> None: ...

    @forgetful.command("report", need="owner")
    async def declared_command(ctx: Context, args: str) -> None: ...

    @careful.callback(admin.ItemStock)
    async def router_need(ctx: Context, data: admin.ItemStock) -> None: ...

    @careful.pending("stock_count")
    async def router_need_typed(ctx: Context, text: str, data: dict[str, Any]) -> None: ...

    # Outside the staff's screens: a staff button, and a staff router's command and question, undeclared.
    @elsewhere.callback(admin.OpenAudit)
    async def staff_button(ctx: Context, data: admin.OpenAudit) -> None: ...

    @elsewhere.command("report")
    async def staff_command(ctx: Context, args: str) -> None: ...

    @elsewhere.pending("stock_count")
    async def staff_question(ctx: Context, text: str, data: dict[str, Any]) -> None: ...

    @elsewhere.command("help")
    async def buyers_command(ctx: Context, args: str) -> None: ...

    assert undeclared_staff_routes(root) == [
        STAFF_SCREENS + "forgetful.no_need",
        "telegram.screens.user.elsewhere.staff_button",
        "telegram.screens.user.elsewhere.staff_command",
        "telegram.screens.user.elsewhere.staff_question",
    ]


async def refusals(shop: RunningShop) -> int:
    return (await shop.store.audit_page(1, 1, security_only=True)).total


async def press(shop: RunningShop, user: EmulatedUser, data: CallbackData) -> str:
    """Press a forged button; the text of the bot's answer to the press."""
    before = len(user.callback_answers)
    await press_data(user, data.pack())
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


@pytest.mark.parametrize(("command", "need"), COMMANDS.items())
async def test_a_staff_command_needs_its_permission(shop: RunningShop, command: str, need: str) -> None:
    buyer, staff = shop.emu.user(BUYER), shop.emu.user(ADMIN)
    await shop.store.grant_admin(ADMIN, [name for name in PERMISSIONS if name != need], actor_id=OWNER_ID)
    assert (await reply_to(buyer, f"/{command}"))["text"] == STAFF_ONLY
    if need != "staff":
        assert (await reply_to(staff, f"/{command}"))["text"] == refusal_for(need)
        await shop.store.grant_admin(ADMIN, [need], actor_id=OWNER_ID)
    audited = await refusals(shop)
    assert not (await reply_to(staff, f"/{command}"))["text"].startswith("⛔")
    assert await refusals(shop) == audited


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
    assert [e.target for e in reversed((await shop.store.audit_page(1, 10, security_only=True)).rows)] == [
        "admin.panel", "refund", "refund", "category.create"
    ]


# --- money -------------------------------------------------------------------------------------------


async def security_events(shop: RunningShop) -> list[tuple[str, int | None, str, str]]:
    page = await shop.store.audit_page(1, 50, security_only=True)
    return [(e.action, e.actor_id, e.target, e.detail) for e in reversed(page.rows)]


async def test_a_credit_code_needs_the_money_permission_and_a_discount_code_does_not(shop: RunningShop) -> None:
    staff = shop.emu.user(ADMIN)
    await shop.store.grant_admin(ADMIN, ["catalog"], actor_id=OWNER_ID)
    # Catalog alone: the kinds offered leave out the credit, and a forged credit press is refused.
    await press(shop, staff, admin.NewPromo())
    await staff.wait_for_text("Send the new code")
    kinds = await reply_to(staff, "GIFT100")
    assert [b["text"] for row in kinds["reply_markup"]["inline_keyboard"] for b in row] == [
        "％ Percent off an order", "➖ An amount off an order", "✖️ Cancel"
    ]
    assert await press(shop, staff, admin.PromoKindChosen(code="GIFT100", kind="credit")) == refusal_for("money")
    # The store refuses it too, whoever asks in the admin's name.
    with pytest.raises(StaffRefused):
        await shop.store.create_promo("GIFT100", "credit", Decimal("100"), actor_id=ADMIN)
    # A discount code is still the catalog's.
    assert not (await press(shop, staff, admin.PromoKindChosen(code="SPRING", kind="fixed"))).startswith("⛔")
    await staff.wait_for_text("How much does SPRING take off an order?")
    assert (await reply_to(staff, "2"))["text"].startswith("✅ Promo code SPRING created")
    assert [(p.code, p.kind) for p in (await shop.store.list_promos()).rows] == [("SPRING", "fixed")]

    # With money as well, the credit code is made.
    await shop.store.grant_admin(ADMIN, ["catalog", "money"], actor_id=OWNER_ID)
    assert not (await press(shop, staff, admin.PromoKindChosen(code="GIFT100", kind="credit"))).startswith("⛔")
    await staff.wait_for_text("How much does GIFT100 add to the balance?")
    assert (await reply_to(staff, "100"))["text"].startswith("✅ Promo code GIFT100 created: +100.00 USD")
    assert await security_events(shop) == [
        ("permission.refused", ADMIN, "promo.credit", "money"),
        ("permission.refused", ADMIN, "promo.create", "money: GIFT100"),
    ]


async def test_a_balance_adjustment_needs_money_and_is_never_ones_own(shop: RunningShop) -> None:
    staff, owner = shop.emu.user(ADMIN), shop.emu.user(OWNER_ID)
    await shop.store.grant_admin(ADMIN, ["users"], actor_id=OWNER_ID)
    assert await press(shop, staff, admin.AdjustBalance(user_id=TARGET)) == refusal_for("money")
    with pytest.raises(StaffRefused):
        await shop.store.adjust_balance(TARGET, Decimal("50"), "gift", actor_id=ADMIN)

    # With money: not their own balance, nor the owner his; the store refuses it whoever asks.
    await shop.store.grant_admin(ADMIN, ["users", "money"], actor_id=OWNER_ID)
    assert await press(shop, staff, admin.AdjustBalance(user_id=ADMIN)) == OWN_BALANCE
    assert await press(shop, owner, admin.AdjustBalance(user_id=OWNER_ID)) == OWN_BALANCE
    for actor in (ADMIN, OWNER_ID):
        with pytest.raises(StaffRefused):
            await shop.store.adjust_balance(actor, Decimal("50"), "for me", actor_id=actor)

    # Another user's balance, yes.
    assert not (await press(shop, staff, admin.AdjustBalance(user_id=TARGET))).startswith("⛔")
    await staff.wait_for_text("+10 goodwill")
    assert "it is now 10.00 USD" in (await reply_to(staff, "+10 sorry for the wait"))["text"]
    # An amount typed after money was taken away is refused.
    await press(shop, staff, admin.AdjustBalance(user_id=TARGET))
    await shop.store.grant_admin(ADMIN, ["users"], actor_id=OWNER_ID)
    assert (await reply_to(staff, "+10 again"))["text"] == refusal_for("money")

    balances = [await shop.store.get_user(user_id) for user_id in (TARGET, ADMIN, OWNER_ID)]
    assert [user.balance for user in balances if user] == [Decimal("10.00"), Decimal("0.00"), Decimal("0.00")]
    assert await shop.store.check_ledger() == []
    # The last refusal repeats the first within a minute: it is counted on the first's row.
    assert await security_events(shop) == [
        ("permission.refused", ADMIN, "users.balance", "money"),
        ("permission.refused", ADMIN, "balance.adjust", f"money: {TARGET}"),
        ("permission.refused", ADMIN, "users.balance", f"own_balance: {ADMIN}"),
        ("permission.refused", OWNER_ID, "users.balance", f"own_balance: {OWNER_ID}"),
        ("permission.refused", ADMIN, "balance.adjust", f"own_balance: {ADMIN}"),
        ("permission.refused", OWNER_ID, "balance.adjust", f"own_balance: {OWNER_ID}"),
    ]
    assert (await shop.store.audit_page(1, 50, security_only=True)).rows[-1].count == 2


async def test_only_the_owner_blocks_an_admin(shop: RunningShop) -> None:
    staff, owner = shop.emu.user(ADMIN), shop.emu.user(OWNER_ID)
    await shop.store.grant_admin(ADMIN, ["users"], actor_id=OWNER_ID)
    await shop.store.grant_admin(TARGET, ["stock"], actor_id=OWNER_ID)
    # The users permission blocks buyers, not admins: the card offers no Block, a forged press is refused.
    await press(shop, staff, admin.OpenUser(user_id=TARGET))
    card = await staff.wait_for(lambda m: "(1003)" in (m.get("text") or ""))
    assert "⛔ Block" not in [b["text"] for row in card["reply_markup"]["inline_keyboard"] for b in row]
    assert await press(shop, staff, admin.SetBlocked(user_id=TARGET, blocked=True)) == BLOCK_ADMIN
    with pytest.raises(StaffRefused):
        await shop.store.revoke_admin(TARGET, actor_id=ADMIN)
    target = await shop.store.get_user(TARGET)
    assert target is not None and (target.role, target.permissions, target.blocked) == ("admin", ("stock",), False)
    assert not (await press(shop, staff, admin.SetBlocked(user_id=BUYER, blocked=True))).startswith("⛔")

    # The owner may.
    assert not (await press(shop, owner, admin.SetBlocked(user_id=TARGET, blocked=True))).startswith("⛔")
    target = await shop.store.get_user(TARGET)
    assert target is not None and (target.role, target.permissions, target.blocked) == ("user", (), True)
    assert await security_events(shop) == [
        ("permission.refused", ADMIN, "user.block", f"owner: {TARGET}"),
        ("permission.refused", ADMIN, "admin.revoke", f"owner: {TARGET}"),
    ]


async def test_only_the_owner_grants_money(shop: RunningShop) -> None:
    await shop.store.grant_admin(ADMIN, ["users", "catalog"], actor_id=OWNER_ID)
    for actor in (ADMIN, BUYER):
        with pytest.raises(StaffRefused):
            await shop.store.grant_admin(TARGET, ["money"], actor_id=actor)
    target = await shop.store.get_user(TARGET)
    assert target is not None and target.role == "user"
    assert (await shop.store.grant_admin(TARGET, ["money"], actor_id=OWNER_ID)).permissions == ("money",)
    assert [(action, actor) for action, actor, _, _ in await security_events(shop)] == [
        ("permission.refused", ADMIN), ("permission.refused", BUYER)
    ]


async def test_only_the_owner_makes_or_changes_an_admin(shop: RunningShop) -> None:
    """The store refuses any grant but the owner's (or the operator's), so no front door can let an
    admin strip another admin's permissions or make a friend an admin."""
    await shop.store.grant_admin(ADMIN, ["users", "catalog"], actor_id=OWNER_ID)
    await shop.store.grant_admin(TARGET, ["stock", "statistics"], actor_id=OWNER_ID)
    for permissions in ([], ["stock"]):
        with pytest.raises(StaffRefused):
            await shop.store.grant_admin(TARGET, permissions, actor_id=ADMIN)
    with pytest.raises(StaffRefused):
        await shop.store.grant_admin(BUYER, ["catalog"], actor_id=ADMIN)
    target = await shop.store.get_user(TARGET)
    assert target is not None and (target.role, target.permissions) == ("admin", ("stock", "statistics"))
    assert (await shop.store.grant_admin(BUYER, ["catalog"], actor_id=None)).role == "admin"
