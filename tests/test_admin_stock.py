"""Stock from the chat through the emulator: 10,000 units from a document (duplicates counted, a
progress message, the count right), refused documents, removing an unsold unit; and an item's
picture sent as a photo."""

from decimal import Decimal
from typing import Any

from storage import Delivered, PurchaseRequest
from telegram.emulator import EmulatedUser
from tests.support.chat import press_when_shown, reply_to
from tests.support.shop import OWNER_ID, RunningShop, open_shop


async def after(user: EmulatedUser, sent: dict[str, Any], expected: str, timeout: float = 20.0) -> dict[str, Any]:
    return await user.wait_for(
        lambda m: m["message_id"] > sent["message_id"] and expected in (m.get("text") or m.get("caption") or ""), timeout=timeout
    )


async def open_item_stock(shop: RunningShop, owner: EmulatedUser, title: str) -> None:
    await reply_to(owner, "/admin")
    await press_when_shown(owner, "📦 Stock")
    await press_when_shown(owner, f"{title} · 0 left")
    await owner.wait_for_text(f"{title} · units left: 0")


async def test_ten_thousand_units_from_a_document(database_url: str) -> None:
    async with open_shop(database_url, chat_rate=100.0, chat_burst=100) as shop:
        owner = shop.emu.user(OWNER_ID, "Owner")
        await reply_to(owner, "/start")
        await shop.store.add_category("Games")
        await shop.store.add_item("Games", "Quest", Decimal("2.00"))
        await open_item_stock(shop, owner, "Quest")
        await press_when_shown(owner, "➕ Add units")
        await owner.wait_for_text("Send the units")

        # Refused: not a .txt/.csv, not UTF-8; the question stays.
        assert "Send a .txt or .csv file" in (await after(owner, await owner.send_document("keys.pdf", b"%PDF"), "file"))["text"]
        bad = await owner.send_document("keys.txt", "ключ".encode("cp1251"))
        assert "not UTF-8" in (await after(owner, bad, "UTF-8"))["text"]

        # 10,000 distinct keys, then 300 of them again, and blank lines (CRLF, as Windows writes it).
        lines = [f"KEY-{n:05d}" for n in range(10_000)] + [f"KEY-{n:05d}" for n in range(300)] + ["", "  "]
        sent = await owner.send_document("keys.csv", "\r\n".join(lines).encode())
        await after(owner, sent, "Importing")
        done = await after(owner, sent, "Units added")
        assert done["text"] == "✅ Units added: 10000. Skipped: duplicates 300, blank lines 2."
        await after(owner, sent, "Quest · units left: 10000")
        item = (await shop.store.category_tree((await shop.store.category_tree(None)).children[0].id)).items[0]  # type: ignore[union-attr]
        assert item.stock_left == 10_000 and (await shop.store.unsold_units(item.id, 1, 1)).total == 10_000

        # The same file again adds nothing.
        await press_when_shown(owner, "➕ Add units")
        await owner.wait_for_text("Send the units")
        again = await owner.send_document("keys.csv", "\r\n".join(lines).encode())
        assert (await after(owner, again, "Units added"))["text"] == "✅ Units added: 0. Skipped: duplicates 10300, blank lines 2."


async def test_an_unsold_unit_is_removed_and_a_sold_one_never(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, chat_rate=100.0, chat_burst=100) as shop:
        owner = shop.emu.user(OWNER_ID, "Owner")
        await reply_to(owner, "/start")
        await shop.store.register_user(1001, username=None, first_name="Ann", language_code="en", owner_id=OWNER_ID, referrer_id=None)
        await shop.store.add_category("Games")
        quest = await shop.store.add_item("Games", "Quest", Decimal("2.00"))
        await shop.store.add_stock("Quest", ["K1", "K2", "K3"])
        await reply_to(owner, "/admin")
        await press_when_shown(owner, "📦 Stock")
        await press_when_shown(owner, "Quest · 3 left")
        screen = await owner.wait_for_text("Quest · units left: 3")
        # K1 is sold after the screen was drawn: its button no longer removes anything.
        await shop.store.credit_user(1001, Decimal("2.00"), kind="adjustment")
        [sold] = await shop.store.buy([PurchaseRequest(key="p1", user_id=1001, item_id=quest.id)])
        assert isinstance(sold, Delivered) and sold.units == ("K1",)
        await owner.press("🗑 K1", screen["message_id"])
        await owner.wait_for(lambda m: "Quest · units left: 2" in (m.get("text") or ""))
        assert owner.callback_answers[-1]["text"] == "Not removed: it was sold or removed meanwhile."
        await press_when_shown(owner, "🗑 K2")
        await press_when_shown(owner, "🗑 Yes, remove")
        await owner.wait_for(lambda m: "Quest · units left: 1" in (m.get("text") or ""))
        units = await shop.store.unsold_units(quest.id, 1, 10)
        assert [unit.content for unit in units.rows] == ["K3"]


async def test_an_item_picture_sent_as_a_photo(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, chat_rate=100.0, chat_burst=100) as shop:
        owner, ann = shop.emu.user(OWNER_ID, "Owner"), shop.emu.user(1001, "Ann")
        await reply_to(owner, "/start")
        await shop.store.add_category("Games")
        await shop.store.add_item("Games", "Quest", Decimal("2.00"), kind="unlimited", content="https://x")
        await reply_to(owner, "/admin")
        await press_when_shown(owner, "🗂 Catalog")
        await press_when_shown(owner, "📁 Games (1)")
        await press_when_shown(owner, "Quest · 2.00 USD")
        await press_when_shown(owner, "🖼 Picture")
        await owner.wait_for_text("Send the picture")
        photo = await owner.send_photo(b"\x89PNG fake picture bytes")
        card = await after(owner, photo, "Picture: yes")
        assert "Quest" in card["text"]
        await reply_to(ann, "/start")
        await press_when_shown(ann, "🛍 Shop")
        await press_when_shown(ann, "Games (1)")
        await press_when_shown(ann, "Quest · 2.00 USD")
        shown = await ann.wait_for(lambda m: "photo" in m)
        assert shown["caption"].startswith("Quest")
