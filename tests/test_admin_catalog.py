"""The catalog run from the chat through the emulator: the owner builds categories and items from
nothing, edits and hides them, and deletes them; buyers see each change; bad input changes nothing."""

from decimal import Decimal
from typing import Any

from telegram.emulator import EmulatedUser
from tests.support.chat import labels, open_card, press_when_shown, reply_to
from tests.support.shop import OWNER_ID, RunningShop, open_shop
from tests.support.waiting import eventually


async def answer(user: EmulatedUser, text: str, expected: str) -> dict[str, Any]:
    sent = await user.send_text(text)
    return await user.wait_for(lambda m: m["message_id"] > sent["message_id"] and expected in (m.get("text") or ""))


async def catalog_screen(shop: RunningShop, owner: EmulatedUser) -> None:
    await reply_to(owner, "/admin")
    await press_when_shown(owner, "🗂 Catalog")
    await owner.wait_for_text("Catalog: ")


async def test_the_owner_builds_and_changes_the_catalog_in_the_chat(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, chat_rate=50.0, chat_burst=50) as shop:
        owner, ann = shop.emu.user(OWNER_ID, "Owner"), shop.emu.user(1001, "Ann")
        await owner.send_text("/start")
        await owner.wait_for_text("Welcome")
        await catalog_screen(shop, owner)
        await press_when_shown(owner, "➕ New category")
        await owner.wait_for_text("Send the category's name")
        assert "A name is 1 to 128" in (await answer(owner, "x" * 129, "A name"))["text"]
        games = await answer(owner, "Games", "Games")
        assert "Items: 0 · Subcategories: 0" in games["text"]
        await owner.press("➕ New item", games["message_id"])
        await press_when_shown(owner, "🔑 Keys or accounts (each sold once)")
        await owner.wait_for_text("Send the item's title")
        await answer(owner, "Quest", "Send the price")
        assert "above zero" in (await answer(owner, "free", "above zero"))["text"]
        card = await answer(owner, "7,50", "Kind:")
        assert "Quest" in card["text"] and "Price: 7.50 USD" in card["text"] and "0 units in stock" in card["text"]

        # An unlimited item: its content is asked for too.
        await press_when_shown(owner, "‹ Back")
        await press_when_shown(owner, "➕ New item")
        await press_when_shown(owner, "♾ The same content for every buyer")
        await owner.wait_for_text("Send the item's title")
        await answer(owner, "Guide", "Send the price")
        await answer(owner, "3", "Send what every buyer gets")
        guide = await answer(owner, "https://example.com/guide", "Kind:")
        assert "never runs out" in guide["text"]

        # The buyer sees both; the owner changes the price and hides one.
        await open_card(ann, "Games (2)", "Guide · 3.00 USD")
        await owner.press("💲 Price", guide["message_id"])
        await owner.wait_for_text("Send the price")
        assert "Price: 2.50 USD" in (await answer(owner, "2.50", "Kind:"))["text"]
        await press_when_shown(owner, "🙈 Hide")
        await owner.wait_for(lambda m: "(hidden from buyers)" in (m.get("text") or ""))
        await ann.send_text("/start")
        await press_when_shown(ann, "🛍 Shop")
        await press_when_shown(ann, "Games (1)")
        shown = await ann.wait_for(lambda m: "Quest · 7.50 USD" in labels(m))
        assert not any("Guide" in label for label in labels(shown))

        # A duplicate title is refused and nothing changes.
        await owner.press("✏️ Title", (await owner.wait_for(lambda m: "Guide" in (m.get("text") or "")))["message_id"])
        await owner.wait_for_text("Send the item's title")
        assert "“Quest” is taken" in (await answer(owner, "Quest", "is taken"))["text"]
        renamed = await answer(owner, "Guide 2", "Kind:")
        assert "Guide 2" in renamed["text"]

        # Deleting asks first; a category with items is not deleted.
        await press_when_shown(owner, "🗑 Delete")
        await press_when_shown(owner, "🗑 Yes, delete")
        games = await owner.wait_for(lambda m: "Items: 1 · Subcategories: 0" in (m.get("text") or ""))
        await owner.press("🗑 Delete", games["message_id"])
        await press_when_shown(owner, "🗑 Yes, delete")
        await eventually(
            lambda: any((a.get("text") or "").startswith("Not deleted: it still holds 1 item(s)") for a in owner.callback_answers),
            what="the refusal",
        )
        tree = await shop.store.category_tree(None)
        assert tree is not None and [c.name for c in tree.children] == ["Games"]
        assert [i.title for i in (await shop.store.category_tree(tree.children[0].id)).items] == ["Quest"]  # type: ignore[union-attr]
        item = (await shop.store.category_tree(tree.children[0].id)).items[0]  # type: ignore[union-attr]
        assert item.price == Decimal("7.50")
        actions = [e.action for e in reversed((await shop.store.audit_page(1, 20)).rows)]
        assert actions == ["category.create", "item.create", "item.create", "item.edit", "item.hide", "item.edit", "item.delete"]


async def test_a_file_item_is_made_from_a_document_sent_in_the_chat(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, chat_rate=50.0, chat_burst=50) as shop:
        owner, ann = shop.emu.user(OWNER_ID, "Owner"), shop.emu.user(1001, "Ann")
        await owner.send_text("/start")
        await owner.wait_for_text("Welcome")
        await shop.store.add_category("Books")
        await catalog_screen(shop, owner)
        await press_when_shown(owner, "📁 Books (0)")
        await press_when_shown(owner, "➕ New item")
        await press_when_shown(owner, "📄 A file")
        await owner.wait_for_text("Send the item's title")
        await answer(owner, "Artbook", "Send the price")
        await answer(owner, "4", "Send the file every buyer gets")
        # A text is not a file: the question stays.
        await answer(owner, "here it is", "Send the file every buyer gets")
        sent = await owner.send_document("artbook.pdf", b"%PDF-1.7 artbook")
        card = await owner.wait_for(lambda m: m["message_id"] > sent["message_id"] and "Kind: 📄 A file" in (m.get("text") or ""))
        assert "Artbook" in card["text"]
        await open_card(ann, "Books (1)", "Artbook · 4.00 USD")
        await shop.store.credit_user(1001, Decimal("4.00"), kind="adjustment")
        await ann.press("Buy")
        await press_when_shown(ann, "✅ Confirm")
        delivered = await ann.wait_for(lambda m: "document" in m)
        assert delivered["document"]["file_name"] == "artbook.pdf"
