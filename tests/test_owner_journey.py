"""Done-when of running the shop from the chat: the owner sets up a shop from nothing (a category, an
item, its stock), makes an admin, broadcasts and reads the statistics, all in the chat through the
emulator; a buyer buys what was set up, and the admin does their part with only their permissions."""

from typing import Any

from telegram.emulator import EmulatedUser
from tests.support.chat import labels, open_card, press_when_shown, reply_to
from tests.support.shop import OWNER_ID, open_shop


async def answer(user: EmulatedUser, text: str, expected: str) -> dict[str, Any]:
    sent = await user.send_text(text)
    return await user.wait_for(lambda m: m["message_id"] > sent["message_id"] and expected in (m.get("text") or ""))


async def test_the_owner_sets_up_and_runs_a_shop_entirely_in_the_chat(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, chat_rate=100.0, chat_burst=100) as shop:
        owner = shop.emu.user(OWNER_ID, "Olga", username="olga")
        bob = shop.emu.user(1002, "Bob", username="bob")
        ann = shop.emu.user(1001, "Ann")
        for user in (owner, bob, ann):
            await reply_to(user, "/start")

        # Catalog: a category and an item.
        await reply_to(owner, "/admin")
        await press_when_shown(owner, "🗂 Catalog")
        await press_when_shown(owner, "➕ New category")
        await owner.wait_for_text("Send the category's name")
        games = await answer(owner, "Games", "Items: 0")
        await owner.press("➕ New item", games["message_id"])
        await press_when_shown(owner, "🔑 Keys or accounts (each sold once)")
        await owner.wait_for_text("Send the item's title")
        await answer(owner, "Starfall", "Send the price")
        await answer(owner, "10", "Kind:")

        # Stock: three keys as lines, one of them twice.
        await press_when_shown(owner, "📦 Stock")
        await press_when_shown(owner, "➕ Add units")
        await owner.wait_for_text("Send the units")
        done = await answer(owner, "KEY-1\nKEY-2\n\nKEY-2\nKEY-3", "Units added")
        assert done["text"] == "✅ Units added: 3. Skipped: duplicates 1, blank lines 1."
        await owner.wait_for_text("Starfall · units left: 3")

        # An admin for the stock and the statistics.
        await reply_to(owner, "/admin")
        await press_when_shown(owner, "🔑 Admins")
        await press_when_shown(owner, "➕ Make an admin")
        await owner.wait_for_text("Send the id or @username")
        await answer(owner, "@bob", "Permissions: nothing yet")
        await press_when_shown(owner, "▫️ Stock")
        await press_when_shown(owner, "▫️ Statistics")
        await owner.wait_for(lambda m: "Permissions: Stock, Statistics" in (m.get("text") or ""))

        # A buyer buys a key (the money comes from the owner, as a balance adjustment).
        await reply_to(owner, "/admin")
        await press_when_shown(owner, "👥 Users")
        await owner.wait_for_text("Send the id or @username of the user.")
        card = await answer(owner, "1001", "Balance:")
        await owner.press("💰 Adjust balance", card["message_id"])
        await owner.wait_for_text("+10 goodwill")
        await answer(owner, "+25 welcome gift", "it is now 25.00 USD")
        await open_card(ann, "Games (1)", "Starfall · 10.00 USD")
        await ann.press("Buy")
        await press_when_shown(ann, "1")
        await press_when_shown(ann, "✅ Confirm")
        await ann.wait_for_text("KEY-1")

        # The admin restocks and reads the statistics; Users stays the owner's.
        panel = await reply_to(bob, "/admin")
        assert labels(panel) == ["📊 Statistics", "📦 Stock", "🔔 My notices"]
        await bob.press("📊 Statistics")
        stats = await bob.wait_for_text("Statistics ·")
        assert "🛒 Buyers: 1" in stats["text"] and "1. Starfall: 1 sold, 10.00 USD" in stats["text"]
        assert "Starfall: 2 left" in stats["text"]

        # The owner broadcasts to everyone.
        await reply_to(owner, "/admin")
        await press_when_shown(owner, "📣 Broadcasts")
        await press_when_shown(owner, "➕ New broadcast")
        await owner.wait_for_text("Send the broadcast's text")
        draft = await answer(owner, "<b>Starfall</b> is in stock!", "New broadcast")
        await owner.press("✅ Send to 3 users", draft["message_id"])
        await owner.wait_for_text("Broadcast #1 finished: ✅ 3 delivered")
        for user in (ann, bob):
            await user.wait_for_text("Starfall is in stock!")
