"""Running the shop from the chat, as the staff sees it through the emulator: the panel, making an
admin with chosen permissions, the users screen (balance adjustment, blocking), the audit log and
maintenance mode; refusals for everyone else."""

from decimal import Decimal
from typing import Any

from storage import Delivered, PurchaseRequest
from telegram.emulator import EmulatedUser
from telegram.screens.admin.callbacks import OpenAdmins, OpenAudit, SetBlocked, ToggleMaintenance
from tests.support.chat import labels, press_data, press_when_shown, reply_to
from tests.support.shop import OWNER_ID, RunningShop, open_shop
from tests.support.waiting import eventually


async def started(shop: RunningShop, user_id: int, name: str, username: str | None = None) -> EmulatedUser:
    user = shop.emu.user(user_id, name, username=username) if username else shop.emu.user(user_id, name)
    await user.send_text("/start")
    await user.wait_for_text("Welcome")
    return user


async def security_events(shop: RunningShop) -> list[tuple[str, int | None, str]]:
    page = await shop.store.audit_page(1, 50, security_only=True)
    return [(e.action, e.actor_id, e.target) for e in reversed(page.rows)]


async def test_the_owner_makes_an_admin_who_then_works_with_just_the_permissions_given(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, chat_rate=50.0, chat_burst=50) as shop:
        owner = await started(shop, OWNER_ID, "Owner")
        bob = await started(shop, 1002, "Bob", "bob_helps")
        ann = await started(shop, 1001, "Ann", "ann")
        # A buyer has no admin button, and /admin is refused plainly and audited.
        assert "🛠 Admin" not in labels(ann.bot_messages()[-1])
        assert (await reply_to(ann, "/admin"))["text"] == "⛔ This is for the shop's staff only."
        assert await security_events(shop) == [("permission.refused", 1001, "admin.panel")]

        panel = await reply_to(owner, "/admin")
        assert "You are the owner" in panel["text"]
        assert labels(panel) == [
            "📊 Statistics", "🗂 Catalog", "📦 Stock", "👥 Users", "📣 Broadcasts", "🏷 Promo codes", "🔑 Admins",
            "📜 Audit log", "🔔 My notices",
            "🚧 Maintenance: off → turn on",
        ]
        await owner.press("🔑 Admins")
        await press_when_shown(owner, "➕ Make an admin")
        await owner.wait_for_text("Send the id or @username")
        card = await reply_to(owner, "@BOB_HELPS")
        assert "Bob (@bob_helps, 1002)" in card["text"] and "Permissions: nothing yet" in card["text"]
        assert "▫️ Money" in labels(card)
        await owner.press("▫️ Users", card["message_id"])
        await owner.wait_for(lambda m: "Permissions: Users" in (m.get("text") or ""))
        await press_when_shown(owner, "▫️ Money")
        await owner.wait_for(lambda m: "Permissions: Users, Money" in (m.get("text") or ""))

        # Bob sees the panel with Users only; Admins and the audit log stay the owner's.
        panel = await reply_to(bob, "/admin")
        assert "an admin with: Users, Money" in panel["text"]
        assert labels(panel) == ["👥 Users", "🔔 My notices"]
        await bob.press("👥 Users")
        await bob.wait_for_text("Send the id or @username of the user.")
        assert (await reply_to(bob, "@nobody"))["text"] == "No user @nobody. Send another id or @username, or cancel."
        card = await reply_to(bob, "1001")
        assert "Ann (@ann, 1001)" in card["text"] and "Balance: 0.00 USD" in card["text"]

        # A balance adjustment (the money permission) needs a reason, and is a ledger entry.
        await bob.press("💰 Adjust balance", card["message_id"])
        await bob.wait_for_text("+10 goodwill")
        assert "non-zero amount" in (await reply_to(bob, "+10"))["text"]
        # Read as every typed amount is (telegram.amounts): no exponent, no more than cents.
        assert "non-zero amount" in (await reply_to(bob, "+1e3 exponent"))["text"]
        assert "non-zero amount" in (await reply_to(bob, "+0.001 dust"))["text"]
        assert "it is now 10.00 USD" in (await reply_to(bob, "+10 sorry for the wait"))["text"]
        ledger = await shop.store.ledger_page(1001, 1, 10)
        assert [(r.kind, r.amount, r.reason) for r in ledger.rows] == [("adjustment", Decimal("10.00"), "sorry for the wait")]

        # Blocking: Ann hears it once, then nothing.
        card = await bob.wait_for(lambda m: "Ann (@ann, 1001)" in (m.get("text") or "") and "⛔ Block" in labels(m))
        await bob.press("⛔ Block", card["message_id"])
        await bob.wait_for(lambda m: "⛔ Blocked" in (m.get("text") or ""))
        assert (await reply_to(ann, "/start"))["text"] == "⛔ You are blocked in this shop."
        before = len(ann.bot_messages())
        await ann.send_text("/menu")
        await reply_to(owner, "/menu")  # the shop has handled Ann's message by the time it answers the owner's
        assert len(ann.bot_messages()) == before

        # Bob cannot reach the owner's screens even with a forged button; the owner cannot be blocked.
        answers = len(bob.callback_answers)
        await press_data(bob, OpenAdmins().pack())
        await eventually(lambda: len(bob.callback_answers) > answers, what="the refusal")
        assert bob.callback_answers[-1]["text"] == "⛔ Only the owner can do this."
        answers = len(bob.callback_answers)
        await press_data(bob, SetBlocked(user_id=OWNER_ID, blocked=True).pack())
        await eventually(lambda: len(bob.callback_answers) > answers, what="the refusal")
        assert bob.callback_answers[-1]["text"] == "The owner cannot be blocked."
        owner_record = await shop.store.get_user(OWNER_ID)
        assert owner_record is not None and not owner_record.blocked

        # The owner takes Users away again: Bob's next attempt is refused at once.
        await reply_to(owner, "/admin")
        await press_when_shown(owner, "🔑 Admins")
        await press_when_shown(owner, "Bob (@bob_helps, 1002)")
        await press_when_shown(owner, "✅ Users")
        await owner.wait_for(lambda m: "Permissions: Money" in (m.get("text") or ""))
        assert (await reply_to(bob, "/admin"))["text"].startswith("🛠")
        answers = len(bob.callback_answers)
        await press_data(bob, SetBlocked(user_id=1001, blocked=False).pack())
        await eventually(lambda: len(bob.callback_answers) > answers, what="the refusal")
        assert bob.callback_answers[-1]["text"] == "⛔ This needs the “Users” permission. Ask the owner if you need it."
        ann_record = await shop.store.get_user(1001)
        assert ann_record is not None and ann_record.blocked

        assert await security_events(shop) == [
            ("permission.refused", 1001, "admin.panel"),
            ("permission.refused", 1002, "admins"),
            ("permission.refused", 1002, "users.block"),
        ]
        # The owner reads it all in the audit log.
        await press_data(owner, OpenAudit().pack())
        log = await owner.wait_for(lambda m: "Audit log" in (m.get("text") or ""))
        for action in ("admin.grant", "balance.adjust", "user.block", "permission.refused"):
            assert action in log["text"]


async def test_maintenance_mode_closes_the_shop_to_buyers_but_not_to_the_staff(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        owner = await started(shop, OWNER_ID, "Owner")
        ann = await started(shop, 1001, "Ann")
        await reply_to(owner, "/admin")
        await press_when_shown(owner, "🚧 Maintenance: off → turn on")
        await owner.wait_for(lambda m: "🚧 Maintenance: ON → turn off" in labels(m))
        assert "closed for maintenance" in (await reply_to(ann, "/start"))["text"]
        assert "Admin panel" in (await reply_to(owner, "/admin"))["text"]
        # A stale "turn on" button pressed again leaves it on, it does not flip it off.
        await press_data(owner, ToggleMaintenance(on=True).pack())
        await owner.wait_for(lambda m: "🚧 Maintenance: ON → turn off" in labels(m))
        await press_when_shown(owner, "🚧 Maintenance: ON → turn off")
        await owner.wait_for(lambda m: "🚧 Maintenance: off → turn on" in labels(m))
        assert "Welcome" in (await reply_to(ann, "/start"))["text"]
        page = await shop.store.audit_page(1, 10)
        assert [e.action for e in reversed(page.rows)] == ["maintenance.on", "maintenance.on", "maintenance.off"]


async def test_a_broadcast_made_in_the_chat_reaches_its_audience_with_its_button(sqlite_url: str) -> None:
    # The owner's chat gets many messages in a row here; Telegram's per-chat pace is not the subject.
    async with open_shop(sqlite_url, chat_rate=50.0, chat_burst=50) as shop:
        owner = await started(shop, OWNER_ID, "Owner")
        await started(shop, 1001, "Ann")
        ivan = shop.emu.user(1003, "Ivan", language_code="ru")
        await ivan.send_text("/start")
        await ivan.wait_for_text("Добро пожаловать")
        await reply_to(owner, "/admin")
        await press_when_shown(owner, "📣 Broadcasts")
        await press_when_shown(owner, "➕ New broadcast")
        await owner.wait_for_text("Send the broadcast's text")
        # Broken HTML is refused with Telegram's reason, and the question stays.
        refusal = await _send_and_wait(owner, "<b>oops", "cannot show")
        assert refusal["text"].startswith("Telegram cannot show this text: Bad Request: can't parse entities")
        draft = await _send_and_wait(owner, "<b>Новинки</b> в магазине", "New broadcast")
        assert "Audience: Everyone — 3 users now." in draft["text"]
        await owner.press("Russian speakers", draft["message_id"])
        await owner.wait_for(lambda m: "Russian speakers — 1 users now." in (m.get("text") or ""))
        await owner.press("🔘 Add a link button")
        await owner.wait_for_text("Send the button's label")
        assert "a label of at most 64 characters" in (await _send_and_wait(owner, "no link here", "label of at most"))["text"]
        draft = await _send_and_wait(owner, "Открыть магазин https://t.me/shop_bot", "New broadcast")
        await owner.press("✅ Send to 1 users", draft["message_id"])
        got = await ivan.wait_for_text("Новинки в магазине")
        assert got["reply_markup"]["inline_keyboard"] == [[{"text": "Открыть магазин", "url": "https://t.me/shop_bot"}]]
        await owner.wait_for_text("Broadcast #1 finished: ✅ 1 delivered, 🚫 0 blocked the bot, ⚠️ 0 failed.")
        progress = await owner.wait_for(lambda m: "Broadcast #1</b>" in (m.get("text") or "") or "Broadcast #1 ·" in (m.get("text") or ""))
        assert "100%" in progress["text"]
        # Ann (English) got nothing.
        assert not any("Новинки" in (m.get("text") or "") for m in shop.emu.user(1001).bot_messages())


async def _send_and_wait(user: EmulatedUser, text: str, expected: str) -> dict[str, Any]:
    sent = await user.send_text(text)
    return await user.wait_for(lambda m: m["message_id"] > sent["message_id"] and expected in (m.get("text") or ""))


async def test_statistics_show_the_shop_as_it_stands(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, chat_rate=50.0, chat_burst=50) as shop:
        owner = await started(shop, OWNER_ID, "Owner")
        await started(shop, 1001, "Ann")
        await shop.store.add_category("Games")
        quest = await shop.store.add_item("Games", "Quest", Decimal("7.50"))
        await shop.store.add_stock("Quest", ["Q1", "Q2", "Q3"])
        await shop.store.credit_user(1001, Decimal("20.00"), kind="adjustment")
        [bought] = await shop.store.buy([PurchaseRequest(key="s1", user_id=1001, item_id=quest.id, quantity=2)])
        assert isinstance(bought, Delivered)
        await reply_to(owner, "/admin")
        await press_when_shown(owner, "📊 Statistics")
        shown = await owner.wait_for_text("Statistics ·")
        for line in (
            "👥 Users: 2 · new today 2, this week 2 · blocked 0",
            "🛒 Buyers: 1",
            "💰 Revenue this week: 15.00 USD (the week before: 0.00 USD)",
            "1. Quest: 2 sold, 15.00 USD",
            "Quest: 1 left",
            "⏳ Pending payments: 0, 0.00 USD",
        ):
            assert line in shown["text"], line
