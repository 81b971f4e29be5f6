"""Browsing the catalog end to end: categories with one level of subcategories, lists paged lazily
(10,000 items in one category), item cards of every kind, photo cards, hidden items, both languages;
and the catalog's storage rules (one level of nesting, item kinds, stock for unique items only)."""

from decimal import Decimal
from typing import Any

import pytest

from storage import Duplicate, InvalidItem, NestingTooDeep, NewItem, NotStockable, StorageSettings, Store, open_store
from storage.models import Item
from telegram.callback_data import CallbackData
from telegram.emulator import EmulatedUser
from telegram.screens.user.callbacks import OpenCategory, OpenItem, OpenShop
from tests.support.shop import TOKEN, RunningShop, open_shop
from tests.support.waiting import eventually


def labels(message: dict[str, Any]) -> list[list[str]]:
    return [[button["text"] for button in row] for row in message.get("reply_markup", {}).get("inline_keyboard", [])]


def flat_labels(message: dict[str, Any]) -> list[str]:
    return [label for row in labels(message) for label in row]


async def wait_for_label(user: EmulatedUser, label: str) -> dict[str, Any]:
    return await user.wait_for(lambda m: label in flat_labels(m))


async def press_forged(shop: RunningShop, user: EmulatedUser, data: CallbackData) -> None:
    """Press a button the screens never drew (a stale or forged one), carried by a message of its own."""
    markup = {"inline_keyboard": [[{"text": "forged", "callback_data": data.pack()}]]}
    await shop.emu.call_api(TOKEN, "sendMessage", {"chat_id": user.id, "text": "·", "reply_markup": markup})
    await user.press("forged")


async def rate(store: Store, title: str, ratings: list[int]) -> None:
    """Give an item the rating totals its reviews would leave (the review flow is tested on its own)."""

    async def update() -> None:
        await Item.filter(title=title).update(rating_sum=sum(ratings), rating_count=len(ratings))

    await store.cross(update)


async def seed_tree(store: Store) -> None:
    """Games (Chess, Hidden chess) ⊃ RPG (Dragon Quest); Software ⊃ Editors (Notepad); Empty; Secret (hidden only)."""
    await store.add_category("Games")
    await store.add_category("RPG", parent="Games")
    await store.add_category("Software")
    await store.add_category("Editors", parent="Software")
    await store.add_category("Empty")
    await store.add_category("Secret")
    await store.add_item("Games", "Chess", Decimal("5.00"), "A board game.")
    await store.add_item("Games", "Hidden chess", Decimal("5.00"), hidden=True)
    await store.add_item("RPG", "Dragon Quest", Decimal("12.50"), "Slay the dragon.")
    await store.add_stock("Dragon Quest", ["DQ-1", "DQ-2", "DQ-3", "DQ-4", "DQ-5"])
    await store.add_item("Editors", "Notepad", Decimal("3.00"), kind="unlimited", content="LICENCE-123")
    await store.add_item("Secret", "Classified", Decimal("1.00"), hidden=True)


async def test_subcategories_navigate_down_and_back(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        await seed_tree(shop.store)
        ann = shop.emu.user(1001, first_name="Ann")
        await ann.send_text("/start")
        await ann.wait_for_text("Welcome")
        await ann.press("🛍 Shop")
        shop_screen = await ann.wait_for_text("Choose a category")
        # Empty and hidden-only categories are not offered; counts include subcategories, not hidden items.
        assert labels(shop_screen) == [["Games (2)"], ["Software (1)"], ["🏠 Main menu"]]

        await ann.press("Games (2)")
        games = await ann.wait_for_text("Choose a section or an item")
        assert "<b>" not in games["text"] and games["text"].startswith("Games\n")
        assert labels(games) == [["RPG (1)"], ["Chess · 5.00 USD"], ["‹ Back"]]

        await ann.press("RPG (1)")
        rpg = await ann.wait_for_text("Games › RPG")
        assert "Choose an item" in rpg["text"] and labels(rpg) == [["Dragon Quest · 12.50 USD"], ["‹ Back"]]
        await ann.press("Dragon Quest · 12.50 USD")
        card = await ann.wait_for_text("Slay the dragon.")
        assert "Price: 12.50 USD" in card["text"] and "In stock: 5 units" in card["text"]
        assert "★" not in card["text"] and labels(card) == [["Buy"], ["‹ Back"]]

        await ann.press("‹ Back")
        await ann.wait_for_text("Games › RPG")
        await ann.press("‹ Back")
        await ann.wait_for_text("Choose a section or an item")
        await ann.press("‹ Back")
        await ann.wait_for_text("Choose a category")

        await ann.press("Software (1)")
        await ann.wait_for_text("Choose a section:")
        await ann.press("Editors (1)")
        await ann.wait_for_text("Software › Editors")
        await ann.press("Notepad · 3.00 USD")
        unlimited = await ann.wait_for_text("Notepad")
        assert "In stock: ∞" in unlimited["text"] and "Buy" in flat_labels(unlimited)
        # Every screen edited the one message.
        assert len(ann.bot_messages()) == 1


async def test_browsing_in_russian(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        await seed_tree(shop.store)
        await rate(shop.store, "Dragon Quest", [5, 4])
        ivan = shop.emu.user(1002, first_name="Иван", language_code="ru")
        await ivan.send_text("/start")
        await ivan.wait_for_text("Добро пожаловать")
        await ivan.press("🛍 Магазин")
        await ivan.wait_for_text("Выберите категорию")
        await ivan.press("Games (2)")
        await ivan.wait_for_text("Выберите раздел или товар")
        await ivan.press("RPG (1)")
        await ivan.wait_for_text("Выберите товар")
        await ivan.press("Dragon Quest · 12,50 USD")
        card = await ivan.wait_for_text("В наличии: 5 штук")
        assert "Цена: 12,50 USD" in card["text"] and "★ 4.5 (2 отзыва)" in card["text"]
        assert labels(card) == [["Купить"], ["💬 2 отзыва"], ["‹ Назад"]]
        await ivan.press("‹ Назад")
        await ivan.wait_for_text("Games › RPG")


async def test_ten_thousand_items_in_one_category(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        await shop.store.add_category("Bulk")
        rows = [NewItem(title=f"Item {n:05d}", price=Decimal("1.50"), kind="unlimited", content="X") for n in range(10_000)]
        assert await shop.store.add_items("Bulk", rows) == 10_000
        ann = shop.emu.user(1003, first_name="Ann")
        await ann.send_text("/start")
        await ann.wait_for_text("Welcome")
        await ann.press("🛍 Shop")
        await ann.wait_for_text("Choose a category")
        await ann.press("Bulk (10000)")
        first = await wait_for_label(ann, "1/1250")
        assert flat_labels(first)[:8] == [f"Item {n:05d} · 1.50 USD" for n in range(8)]
        assert labels(first)[8] == ["1/1250", "›", "»"]

        await ann.press("›")
        second = await wait_for_label(ann, "2/1250")
        assert labels(second)[8] == ["‹", "2/1250", "›", "»"] and flat_labels(second)[0] == "Item 00008 · 1.50 USD"
        await ann.press("»")
        last = await wait_for_label(ann, "1250/1250")
        assert labels(last)[8] == ["«", "‹", "1250/1250"]
        assert flat_labels(last)[:8] == [f"Item {n:05d} · 1.50 USD" for n in range(9992, 10_000)]
        await ann.press("‹")
        before_last = await wait_for_label(ann, "1249/1250")
        assert labels(before_last)[8] == ["«", "‹", "1249/1250", "›"]  # › already goes to the last
        await ann.press("«")
        await wait_for_label(ann, "1/1250")

        # Back from an item's card lands on the page that lists it.
        await ann.press("»")
        await wait_for_label(ann, "1250/1250")
        await ann.press("Item 09999 · 1.50 USD")
        await ann.wait_for_text("In stock: ∞")
        await ann.press("‹ Back")
        await wait_for_label(ann, "1250/1250")

        # A page past the end (a stale button) shows the last page.
        category_id = (await shop.store.shop_page(1, 8)).rows[0].id
        await press_forged(shop, ann, OpenCategory(category_id=category_id, page=9999))
        stale = await ann.wait_for(lambda m: "1250/1250" in flat_labels(m) and m["text"].startswith("Bulk"))
        assert "Item 09999 · 1.50 USD" in flat_labels(stale)
        page = await shop.store.category_page(category_id, 0, 8)
        assert page is not None and page.entries.number == 1 and page.entries.total == 10_000


async def test_photo_card_is_replaced_by_the_next_screen(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, chat_rate=100.0, chat_burst=100) as shop:
        await shop.store.add_category("Art")
        await shop.store.add_item("Art", "Sunset", Decimal("2.00"), "W" * 3000, photo="https://example.com/sunset.jpg")
        await shop.store.add_stock("Sunset", ["S-1"])
        known = shop.emu.store_file("cat.jpg", b"\xff\xd8 not really a jpeg", "image/jpeg")
        await shop.store.add_item(
            "Art", "Cat", Decimal("1.00"), "A <cat> & co", photo=known.file_id, kind="unlimited", content="MEOW"
        )
        await shop.store.add_item("Art", "Lost", Decimal("1.00"), "Its photo is gone", photo="AgADgone")
        ann = shop.emu.user(1004, first_name="Ann")
        await ann.send_text("/start")
        await ann.wait_for_text("Welcome")
        await ann.press("🛍 Shop")
        await ann.wait_for_text("Choose a category")
        await ann.press("Art (3)")
        await ann.wait_for_text("Choose an item")
        await ann.press("Sunset · 2.00 USD")
        card = await ann.wait_for(lambda m: "photo" in m)
        caption = card["caption"]
        assert caption.startswith("Sunset\nWWW") and "…\n\nPrice: 2.00 USD\nIn stock: 1 unit" in caption
        assert len(caption) <= 1024 and labels(card) == [["Buy"], ["‹ Back"]]
        # The list it was opened from gives way (deleted once the card is sent): one message in the chat.
        await eventually(lambda: [("photo" in m) for m in ann.bot_messages()] == [True], what="the list deleted")

        await ann.press("‹ Back")
        await ann.wait_for(lambda m: "Choose an item" in (m.get("text") or ""))
        await eventually(lambda: [("photo" in m) for m in ann.bot_messages()] == [False], what="the photo card deleted")

        await ann.press("Cat · 1.00 USD")
        cat = await ann.wait_for(lambda m: "photo" in m)
        assert cat["photo"][-1]["file_id"] == known.file_id and "A <cat> & co" in cat["caption"]
        # Screens drawn by other handlers replace the photo card too (Buy leads to the purchase screens).
        await ann.press("Buy")
        await ann.wait_for(lambda m: "photo" not in m and m["message_id"] > cat["message_id"])
        await eventually(lambda: not any("photo" in m for m in ann.bot_messages()), what="the photo card deleted")

        welcome = await ann.send_text("/start")
        await ann.wait_for(lambda m: m["message_id"] > welcome["message_id"] and "Welcome" in m.get("text", ""))
        await ann.press("🛍 Shop")
        await ann.wait_for_text("Choose a category")
        await ann.press("Art (3)")
        await ann.wait_for_text("Choose an item")
        await ann.press("Lost · 1.00 USD")
        # Telegram refuses the photo: the card is shown as text instead.
        lost = await ann.wait_for_text("Its photo is gone")
        assert "photo" not in lost and "Sold out" in lost["text"] and labels(lost) == [["‹ Back"]]


async def test_unknown_item_and_category_buttons(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        await seed_tree(shop.store)
        ann = shop.emu.user(1005, first_name="Ann")
        await ann.send_text("/start")
        await ann.wait_for_text("Welcome")
        await press_forged(shop, ann, OpenCategory(category_id=424242))
        await ann.wait_for(lambda m: "Choose a category" in (m.get("text") or ""))
        assert ann.callback_answers[-1]["text"] == "That button is out of date. Here is the current screen."
        # A hidden item's card does not open, whoever made the button.
        ghost = await shop.store.add_item("Games", "Ghost", Decimal("1.00"), hidden=True)
        await press_forged(shop, ann, OpenItem(item_id=ghost.id))
        await eventually(lambda: len(ann.callback_answers) == 2, what="the second answer")
        assert ann.callback_answers[-1] == {**ann.callback_answers[-1], "text": "This item is no longer for sale.", "show_alert": True}
        assert "Ghost" not in [i.title for i in await shop.store.list_items(ghost.category_id)]
        # Numbers no row can have (ids are 32-bit) and pages far out of range are answered, not errors.
        for forged in (OpenItem(item_id=2**40), OpenCategory(category_id=-(2**40)), OpenShop(page=-(2**62))):
            await press_forged(shop, ann, forged)
        await eventually(lambda: len(ann.callback_answers) == 5, what="the forged presses answered")
        assert [a["text"] for a in ann.callback_answers[2:]] == [
            "This item is no longer for sale.", "That button is out of date. Here is the current screen.", None
        ]


# --- storage rules ----------------------------------------------------------------------------------


async def test_catalog_rules(database_url: str) -> None:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        await seed_tree(store)
        with pytest.raises(NestingTooDeep, match="'RPG' is a subcategory"):
            await store.add_category("Deeper", parent="RPG")
        with pytest.raises(Duplicate):
            await store.add_category("RPG", parent="Software")
        with pytest.raises(NotStockable, match="'Notepad' is of kind 'unlimited'"):
            await store.add_stock("Notepad", ["X"])
        refused = [
            {"kind": "file"},
            {"kind": "file", "file_name": "a.txt", "file_data": b""},
            {"kind": "unlimited"},
            {"kind": "bundle"},
            {"content": "only for unlimited"},
            {"file_name": "a.txt", "file_data": b"x"},
            {"photo": "http://insecure.example/p.jpg"},
            {"photo": "two words"},
        ]
        for fields in refused:
            with pytest.raises(InvalidItem):
                await store.add_item("Games", "Bad", Decimal("1.00"), **fields)
        with pytest.raises(InvalidItem, match="price"):
            await store.add_item("Games", "Free", Decimal("0"))
        made = await store.add_item("Games", "Manual", Decimal("4.00"), kind="file", file_name="manual.pdf", file_data=b"%PDF")
        assert made.kind == "file" and made.stock_left is None
        with pytest.raises(Duplicate, match="Chess"):
            await store.add_items("Games", [NewItem(title="New", price=Decimal(1)), NewItem(title="Chess", price=Decimal(1))])
        with pytest.raises(Duplicate, match="Twice"):
            await store.add_items("Games", [NewItem(title="Twice", price=Decimal(1))] * 2)
        assert "New" not in [i.title for i in await store.list_items(made.category_id)], "a refused batch adds nothing"
        top = await store.shop_page(1, 1)
        assert (top.total, top.pages, [c.name for c in top.rows]) == (2, 2, ["Games"])
        rpg = next(c for c in await store.list_categories() if c.name == "RPG")
        view = await store.category_page(rpg.id, 1, 8)
        assert view is not None and view.parent_name == "Games" and view.category.parent_id == rpg.parent_id
        assert await store.category_page(999_999, 1, 8) is None
