"""End to end through the emulator: a buyer presses buttons and gets a key sold exactly once."""

from decimal import Decimal

from tests.support.chat import last_answer, open_item, order_one
from tests.support.shop import open_shop
from tests.support.store import seed_item

KEY = "AAAA-<b>1</b>&2"


async def test_browse_buy_and_receive_the_key(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        await seed_item(shop.store, units=[KEY])
        ann = shop.emu.user(1001, first_name="Ann <admin>")
        await open_item(ann)
        await shop.store.credit_user(1001, Decimal("25.00"), reason="test top-up")
        card = ann.bot_messages()[-1]
        assert "Space <Game> & Co" in card["text"] and "Price: 10.00 USD" in card["text"] and "In stock: 1" in card["text"]
        # Navigation edited one message in place: the welcome is now the item card.
        assert len(ann.bot_messages()) == 1

        await ann.press("Buy")
        await ann.wait_for_text("Your balance: 25.00 USD")
        await ann.press("✅ Confirm")
        delivery = await ann.wait_for_text(KEY)
        code = [e for e in delivery["entities"] if e["type"] == "code"]
        assert code, "the key is in a <code> block"
        await ann.wait_for_text("Purchase complete")

        await ann.press("🏠 Main menu")
        await ann.wait_for_text("Choose what you need")
        await ann.press("👤 Profile")
        await ann.wait_for_text("Balance: 15.00 USD")
        assert await shop.store.check_ledger() == []
        item = (await shop.store.list_items((await shop.store.list_categories())[0].id))[0]
        assert item.stock_left == 0


async def test_second_buyer_of_the_last_unit_is_told_sold_out(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        await seed_item(shop.store, units=["ONLY-ONE"])
        ann, bob = shop.emu.user(1001, first_name="Ann"), shop.emu.user(1002, first_name="Bob")
        for user in (ann, bob):
            await open_item(user)
            await shop.store.credit_user(user.id, Decimal("10.00"))
            await user.press("Buy")
            await user.wait_for_text("Your balance: 10.00 USD")

        await ann.press("✅ Confirm")
        await ann.wait_for_text("ONLY-ONE")
        before = len(bob.callback_answers)
        await bob.press("✅ Confirm")
        answer = await last_answer(bob, before)
        assert answer["text"] == "Sorry, this item is sold out." and answer["show_alert"]
        await bob.wait_for_text("Sold out")
        assert not any("ONLY-ONE" in (m.get("text") or "") for m in bob.bot_messages())
        assert (await shop.store.get_user(bob.id)).balance == Decimal("10.00")
        assert await shop.store.check_ledger() == []


async def test_not_enough_balance_is_refused_and_nothing_is_charged(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        await seed_item(shop.store, units=["K1", "K2"])
        carol = shop.emu.user(1003, first_name="Carol")
        await order_one(carol, shop.store, Decimal("4.99"))
        before = len(carol.callback_answers)
        await carol.press("✅ Confirm")
        answer = await last_answer(carol, before)
        assert answer["text"] == "Not enough balance: it costs 10.00 USD, you have 4.99 USD. Nothing was charged."
        await carol.wait_for_text("In stock: 2")
        assert (await shop.store.get_user(carol.id)).balance == Decimal("4.99")
        assert await shop.store.check_ledger() == []


async def test_names_typed_by_people_are_escaped(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        eve = shop.emu.user(1005, first_name="<b>Eve</b> & co")
        await eve.send_text("/start")
        welcome = await eve.wait_for_text("Welcome")
        # Shown literally: had it not been escaped, Telegram would have parsed <b> as bold.
        assert welcome["text"] == "Welcome to Shopkeeper, <b>Eve</b> & co!\nChoose what you need below."
        assert [e["type"] for e in welcome.get("entities", [])] == ["bold"]


async def test_unknown_command_and_plain_text_get_clear_answers(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        dan = shop.emu.user(1004, first_name="Dan")
        await dan.send_text("/nosuchthing")
        reply = await dan.wait_for_text("I don't know that command")
        assert reply["reply_markup"]["inline_keyboard"][0][0]["text"] == "🛍 Shop"
        await dan.send_text("hello?")
        await dan.wait_for_text("Please use the buttons below")
        assert await shop.store.get_user(dan.id) is not None
