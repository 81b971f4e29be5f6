"""Promo codes from the staff's chat, through the emulator: the owner makes one, a buyer uses it, the
owner disables it and it stops working; bad input is answered and creates nothing; stale, forged and
unpermitted presses change nothing, the unpermitted ones audited."""

from decimal import Decimal

from telegram.emulator import EmulatedUser
from telegram.screens.admin.callbacks import DisablePromo, NewPromo, OpenPromos, PromoKindChosen
from tests.support.chat import labels, last_answer, open_card, press_data, press_when_shown, reply_to
from tests.support.shop import OWNER_ID, RunningShop, open_shop
from tests.support.store import add_goods

CANCEL = "✖️ Cancel"
BAD_PERCENT = "Send a percentage above 0 and at most 100 (two decimals at most), like 15 or 12.5, or cancel."


async def started(shop: RunningShop, user_id: int, name: str) -> EmulatedUser:
    user = shop.emu.user(user_id, name)
    await user.send_text("/start")
    await user.wait_for_text("Welcome")
    return user


async def actions(shop: RunningShop, *, security_only: bool = False) -> list[tuple[str, int | None, str]]:
    page = await shop.store.audit_page(1, 50, security_only=security_only)
    return [(e.action, e.actor_id, e.target) for e in reversed(page.rows)]


async def order_with_code(buyer: EmulatedUser, code: str) -> dict:
    """From the item card: Buy, one unit, the promo code typed; the bot's answer to the code."""
    await buyer.press("Buy")
    await press_when_shown(buyer, "1")
    await press_when_shown(buyer, "🎟 Promo code")
    await buyer.wait_for_text("Send your promo code.")
    return await reply_to(buyer, code)


async def test_a_code_made_in_the_chat_works_until_the_owner_disables_it(database_url: str) -> None:
    async with open_shop(database_url, chat_rate=50.0, chat_burst=50) as shop:
        await add_goods(shop.store, "Widget", price="10.00")
        owner = await started(shop, OWNER_ID, "Owner")
        ann = await started(shop, 1001, "Ann")
        bea = await started(shop, 1002, "Bea")
        for buyer in (1001, 1002):
            await shop.store.credit_user(buyer, Decimal("50.00"), kind="topup", reason="test")

        await reply_to(owner, "/admin")
        await press_when_shown(owner, "🏷 Promo codes")
        empty = await owner.wait_for_text("Promo codes")
        assert empty["text"] == "🏷 Promo codes (0)\nNo promo codes yet."
        assert labels(empty) == ["➕ New code", "⬅️ Admin panel"]
        await owner.press("➕ New code", empty["message_id"])
        await owner.wait_for_text("Send the new code")

        # Each bad answer is explained, the question stays, and nothing is made.
        bad = await reply_to(owner, "no way!")
        assert bad["text"].startswith("A code is 3 to 32 letters") and labels(bad) == [CANCEL]
        kinds = await reply_to(owner, "summer-15")
        assert kinds["text"] == "What does SUMMER-15 give?"
        assert labels(kinds) == ["％ Percent off an order", "➖ An amount off an order", "💰 Balance credit", CANCEL]
        await owner.press("％ Percent off an order", kinds["message_id"])
        await owner.wait_for_text("How many percent does SUMMER-15 take off an order?")
        for typed in ("0", "150", "abc", "12.345"):
            answer = await reply_to(owner, typed)
            assert answer["text"] == BAD_PERCENT and labels(answer) == [CANCEL], typed
        assert (await shop.store.list_promos()).total == 0

        made = await reply_to(owner, "15")
        assert made["text"] == (
            "✅ Promo code SUMMER-15 created: −15%. Unlimited uses, once per user, no expiry.\n\n"
            "🏷 Promo codes (1)\n✅ SUMMER-15 · −15% · used 0, no limit · no expiry"
        )
        assert labels(made) == ["🚫 Disable SUMMER-15", "➕ New code", "⬅️ Admin panel"]
        [promo] = (await shop.store.list_promos()).rows
        assert (promo.kind, promo.value, promo.max_uses, promo.once_per_user, promo.expires_at, promo.active) == (
            "percent", Decimal("15.00"), None, True, None, True,
        )
        # The same code again is refused at the first step.
        await owner.press("➕ New code", made["message_id"])
        await owner.wait_for_text("Send the new code")
        again = await reply_to(owner, "Summer-15")
        assert again["text"] == "The code SUMMER-15 already exists. Send another code, or cancel."
        await owner.press(CANCEL, again["message_id"])
        await owner.wait_for_text("Admin panel")

        # Ann buys with it: 10.00 less 15 %.
        await open_card(ann, "Goods (1)", "Widget · 10.00 USD")
        confirm = await order_with_code(ann, "summer-15")
        assert "Promo code SUMMER-15: −1.50 USD\nTotal: 8.50 USD" in confirm["text"]
        await ann.press("✅ Confirm", confirm["message_id"])
        await ann.wait_for_text("Widget × 1 for 8.50 USD")
        assert (await shop.store.get_user(1001)).balance == Decimal("41.50")

        # The owner disables it; Bea, who never used it, can no longer.
        await reply_to(owner, "/admin")
        await press_when_shown(owner, "🏷 Promo codes")
        listed = await owner.wait_for_text("used 1, no limit")
        before = len(owner.callback_answers)
        await owner.press("🚫 Disable SUMMER-15", listed["message_id"])
        assert (await last_answer(owner, before))["text"] == "🚫 SUMMER-15 is disabled."
        disabled = await owner.wait_for_text("⛔ disabled")
        assert disabled["text"].endswith("⛔ disabled · SUMMER-15 · −15% · used 1, no limit · no expiry")
        assert labels(disabled) == ["➕ New code", "⬅️ Admin panel"]
        await open_card(bea, "Goods (1)", "Widget · 10.00 USD")
        refused = await order_with_code(bea, "SUMMER-15")
        assert refused["text"] == "This promo code has been switched off. Send another code or press Cancel."

        # A stale press on the disabled code, and a forged one on no code at all, change nothing.
        for code in ("SUMMER-15", "NOPE"):
            before = len(owner.callback_answers)
            await press_data(owner, DisablePromo(code=code).pack())
            answer = await last_answer(owner, before)
            assert answer["text"] == "That code is unknown or already disabled: nothing changed." and answer["show_alert"]
        assert [a for a in await actions(shop) if a[0].startswith("promo.")] == [
            ("promo.create", OWNER_ID, "SUMMER-15"),
            ("promo.disable", OWNER_ID, "SUMMER-15"),
        ]
        assert await shop.store.check_ledger() == []


async def test_amount_codes_need_a_positive_amount_with_cents_at_most(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, chat_rate=50.0, chat_burst=50) as shop:
        owner = await started(shop, OWNER_ID, "Owner")
        await reply_to(owner, "/admin")
        await press_when_shown(owner, "🏷 Promo codes")
        await press_when_shown(owner, "➕ New code")
        await owner.wait_for_text("Send the new code")
        kinds = await reply_to(owner, "GIFT5")
        await owner.press("💰 Balance credit", kinds["message_id"])
        await owner.wait_for_text("How much does GIFT5 add to the balance?")
        for typed in ("abc", "0", "-5", "2.505"):
            answer = await reply_to(owner, typed)
            assert answer["text"] == "Send an amount above 0 with at most two decimals, like 5 or 2.50, or cancel.", typed
        made = await reply_to(owner, "5,5")
        assert made["text"].startswith("✅ Promo code GIFT5 created: +5.50 USD to the balance.")
        [promo] = (await shop.store.list_promos()).rows
        assert (promo.code, promo.kind, promo.value) == ("GIFT5", "credit", Decimal("5.50"))


async def test_without_the_catalog_permission_promo_buttons_are_refused_and_audited(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, chat_rate=50.0, chat_burst=50) as shop:
        await started(shop, OWNER_ID, "Owner")
        bob = await started(shop, 1002, "Bob")
        await shop.store.create_promo("SAVE10", "percent", Decimal("10"))
        await shop.store.grant_admin(1002, ["stock"], actor_id=OWNER_ID)
        panel = await reply_to(bob, "/admin")
        assert labels(panel) == ["📦 Stock", "🔔 My notices"]

        refusal = "⛔ This needs the “Catalog” permission. Ask the owner if you need it."
        for data in (DisablePromo(code="SAVE10"), OpenPromos(), NewPromo(), PromoKindChosen(code="NEW10", kind="percent")):
            before = len(bob.callback_answers)
            await press_data(bob, data.pack())
            answer = await last_answer(bob, before)
            assert answer["text"] == refusal and answer["show_alert"], data

        # An answer typed after the permission went is refused too: Bob had catalog, asked, lost it.
        await shop.store.grant_admin(1002, ["stock", "catalog"], actor_id=OWNER_ID)
        await reply_to(bob, "/admin")
        await press_when_shown(bob, "🏷 Promo codes")
        await press_when_shown(bob, "➕ New code")
        await bob.wait_for_text("Send the new code")
        await shop.store.grant_admin(1002, ["stock"], actor_id=OWNER_ID)
        assert (await reply_to(bob, "NEW10"))["text"] == refusal
        # The question is gone with the permission.
        assert (await reply_to(bob, "NEW10"))["text"] == "Please use the buttons below."

        [promo] = (await shop.store.list_promos()).rows
        assert (promo.code, promo.active) == ("SAVE10", True)
        # The same refusal three times within a minute is one row counting three.
        assert await actions(shop, security_only=True) == [
            ("permission.refused", 1002, "promo.disable"),
            ("permission.refused", 1002, "promo.list"),
            ("permission.refused", 1002, "promo.create"),
        ]
        assert [e.count for e in (await shop.store.audit_page(1, 50, security_only=True)).rows] == [3, 1, 1]
        # Only the code made for the test (by nobody in the chat) is in the log.
        assert [a for a in await actions(shop) if a[0].startswith("promo.")] == [("promo.create", None, "SAVE10")]
