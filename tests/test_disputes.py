"""/paysupport: a buyer's payment dispute reaches the owner (and admins), with their latest payments."""

from tests.support.payments import top_up
from tests.support.shop import OWNER_ID, open_shop


async def test_a_dispute_reaches_the_owner_with_the_buyers_payments_and_is_audited(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        owner, ann = shop.emu.user(OWNER_ID, "Owner"), shop.emu.user(1001, "Ann", username="ann")
        await owner.send_text("/start")
        await owner.wait_for_text("Welcome")
        paid = await top_up(ann)
        await ann.wait_for_text("Payment received")
        await ann.send_text("/paysupport")
        await ann.wait_for(lambda m: "📝 Open a payment dispute" in str(m.get("reply_markup")))
        await ann.press("📝 Open a payment dispute")
        await ann.wait_for_text("Describe the problem")
        await ann.send_text("x" * 1001)
        await ann.wait_for_text("That is 1001 characters; please keep it to 1000.")
        await ann.send_text("I paid <twice> & got one key")
        await ann.wait_for_text("Your message reached the shop's staff")
        note = await owner.wait_for_text("Payment dispute")
        assert "from Ann (@ann, id 1001):\nI paid <twice> & got one key" in note["text"]
        assert f"stars · 10.00 USD · paid · {paid.charge_id}" in note["text"]
        events = await shop.store.audit_page(1, 10)
        assert [(e.action, e.actor_id, e.detail) for e in events.rows] == [
            ("payment.dispute", 1001, "I paid <twice> & got one key")
        ]


async def test_a_command_instead_of_the_description_cancels_the_dispute(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        owner, ann = shop.emu.user(OWNER_ID, "Owner"), shop.emu.user(1001, "Ann")
        await ann.send_text("/paysupport")
        await ann.wait_for(lambda m: "📝 Open a payment dispute" in str(m.get("reply_markup")))
        await ann.press("📝 Open a payment dispute")
        await ann.wait_for_text("Describe the problem")
        await ann.send_text("/menu")
        await ann.wait_for_text("Choose what you need below.")
        await ann.send_text("never mind")
        await ann.wait_for_text("Please use the buttons below.")
        assert owner.bot_messages() == []
        assert (await shop.store.audit_page(1, 10)).total == 0


async def test_a_staff_member_who_blocked_the_bot_is_marked_as_the_notifier_marks_them(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        owner, bob = shop.emu.user(OWNER_ID, "Owner"), shop.emu.user(1002, "Bob")
        ann = shop.emu.user(1001, "Ann", username="ann")
        for user in (owner, bob):
            await user.send_text("/start")
            await user.wait_for_text("Welcome")
        await shop.store.grant_admin(1002, ["payments"], actor_id=OWNER_ID)
        assert [u.id for u in await shop.store.notice_recipients("disputes", owner_id=OWNER_ID)] == [OWNER_ID, 1002]
        bob.block_bot()
        await ann.send_text("/start")
        await ann.wait_for_text("Welcome")
        await ann.send_text("/paysupport")
        await ann.wait_for(lambda m: "📝 Open a payment dispute" in str(m.get("reply_markup")))
        await ann.press("📝 Open a payment dispute")
        await ann.wait_for_text("Describe the problem")
        await ann.send_text("I paid twice")
        await ann.wait_for_text("Your message reached the shop's staff")
        assert "I paid twice" in (await owner.wait_for_text("Payment dispute"))["text"]
        # Bob is marked as blocking the bot: no notice of any kind is tried until he writes again.
        assert [u.id for u in await shop.store.notice_recipients("disputes", owner_id=OWNER_ID)] == [OWNER_ID]
