"""Search end to end: from the menu or /search, case-insensitive in every script, % and _ literal,
hidden items never found, results paged with the query kept on the server, bad queries answered."""

from decimal import Decimal
from typing import Any

from storage import NewItem, Store
from telegram.emulator import EmulatedUser
from tests.support.shop import open_shop

# Many answers to one chat: flood control's one message a second per chat is not what is tested here.
FAST = {"chat_rate": 100.0, "chat_burst": 100}


def flat_labels(message: dict[str, Any]) -> list[str]:
    return [button["text"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for button in row]


async def seed(store: Store) -> None:
    await store.add_category("Misc")
    titles = ["Ёлка новогодняя", "Набор ёлочных игрушек", "Star 100% Pack", "Star 1000 Pack", "A_B cable", "AxB cable"]
    await store.add_items("Misc", [NewItem(title=title, price=Decimal("2.00"), kind="unlimited", content="C") for title in titles])
    await store.add_item("Misc", "Hidden Star", Decimal("2.00"), hidden=True)


async def search(user: EmulatedUser, text: str) -> dict[str, Any]:
    """Send `text` and return the bot's answer to it."""
    sent = await user.send_text(text)
    return await user.wait_for(lambda m: m["message_id"] > sent["message_id"])


async def test_search_finds_titles_in_any_case_and_script(database_url: str) -> None:
    async with open_shop(database_url, **FAST) as shop:
        await seed(shop.store)
        ann = shop.emu.user(1001, first_name="Ann")
        await ann.send_text("/start")
        await ann.wait_for_text("Welcome")
        await ann.press("🔍 Search")
        await ann.wait_for_text("Send a word from the name")

        found = await search(ann, "ЁЛК")
        assert found["text"] == "🔍 «ЁЛК»: 1 item found"
        assert flat_labels(found) == ["Ёлка новогодняя · 2.00 USD", "🔍 New search", "🏠 Main menu"]
        assert (await search(ann, "/search ёлоч"))["text"] == "🔍 «ёлоч»: 1 item found"
        assert flat_labels(await search(ann, "/search 100%"))[:-2] == ["Star 100% Pack · 2.00 USD"]
        assert flat_labels(await search(ann, "/search a_b"))[:-2] == ["A_B cable · 2.00 USD"]
        stars = await search(ann, "/search   STAR  ")
        assert stars["text"] == "🔍 «STAR»: 2 items found" and "Hidden Star · 2.00 USD" not in flat_labels(stars)

        nothing = await search(ann, "/search hidden")
        assert nothing["text"] == "🔍 Nothing found for «hidden»." and flat_labels(nothing) == ["🔍 New search", "🏠 Main menu"]
        # The query is shown as typed, escaped.
        assert (await search(ann, "/search <b>"))["text"] == "🔍 Nothing found for «<b>»."

        await ann.press("Star 1000 Pack · 2.00 USD", message_id=stars["message_id"])
        card = await ann.wait_for_text("In stock: ∞")
        assert card["text"].startswith("Star 1000 Pack")


async def test_bad_queries_are_answered_and_asked_again(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, **FAST) as shop:
        await seed(shop.store)
        bob = shop.emu.user(1002, first_name="Bob")
        assert "Send a word from the name" in (await search(bob, "/search"))["text"]
        assert (await search(bob, "x" * 65))["text"] == "That is too long to search for: 64 characters at most, please."
        assert (await search(bob, "   "))["text"] == "Send a few letters of the item's name to search for it."
        # Still waiting for the query: the next text is searched.
        assert (await search(bob, "cable"))["text"] == "🔍 «cable»: 2 items found"
        # Once answered, text is no longer taken as a search.
        assert "search" not in (await search(bob, "cable"))["text"]
        assert (await search(bob, "/search " + "y" * 65))["text"].startswith("That is too long")


async def test_results_page_and_an_expired_search_asks_again(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, shop={"page_size": 3}, **FAST) as shop:
        await shop.store.add_category("Keys")
        await shop.store.add_items("Keys", [NewItem(title=f"Key {n:02d}", price=Decimal("1.00"), kind="unlimited", content="K") for n in range(1, 11)])
        ann = shop.emu.user(1003, first_name="Ann")
        first = await search(ann, "/search key")
        assert first["text"] == "🔍 «key»: 10 items found"
        assert flat_labels(first) == ["Key 01 · 1.00 USD", "Key 02 · 1.00 USD", "Key 03 · 1.00 USD", "1/4", "›", "»", "🔍 New search", "🏠 Main menu"]
        await ann.press("»")
        last = await ann.wait_for(lambda m: "4/4" in flat_labels(m))
        assert flat_labels(last)[:4] == ["Key 10 · 1.00 USD", "«", "‹", "4/4"]
        await ann.press("‹")
        await ann.wait_for(lambda m: "3/4" in flat_labels(m))

        # Another search meanwhile: the older results keep paging through their own query.
        other = await search(ann, "/search 0")
        assert other["text"] == "🔍 «0»: 10 items found"
        await ann.press("‹", message_id=first["message_id"])
        await ann.wait_for(lambda m: m["message_id"] == first["message_id"] and "2/4" in flat_labels(m))

        # The stored query is gone (expired): the button says so and asks for a new search.
        tag = next(b["callback_data"] for row in other["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "›").split(":")[1]
        await shop.store.kv.delete(f"search:{ann.id}:{tag}")
        await ann.press("›", message_id=other["message_id"])
        await ann.wait_for(lambda m: m["message_id"] == other["message_id"] and "Send a word" in m["text"])
        assert ann.callback_answers[-1]["text"] == "This search has expired. Please send it again."
        assert (await search(ann, "key 1"))["text"] == "🔍 «key 1»: 1 item found"


async def test_search_in_russian(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, **FAST) as shop:
        await seed(shop.store)
        ivan = shop.emu.user(1004, first_name="Иван", language_code="ru")
        await ivan.send_text("/start")
        await ivan.wait_for_text("Добро пожаловать")
        await ivan.press("🔍 Поиск")
        await ivan.wait_for_text("Отправьте слово из названия товара")
        found = await search(ivan, "ЁЛ")
        assert found["text"] == "🔍 «ЁЛ»: найдено 2 товара"
        assert flat_labels(found)[-2:] == ["🔍 Новый поиск", "🏠 Главное меню"]
        assert (await search(ivan, "/search ничего"))["text"] == "🔍 По запросу «ничего» ничего не найдено."
        assert (await search(ivan, "/search " + "я" * 65))["text"] == "Слишком длинный запрос: не больше 64 символов, пожалуйста."
