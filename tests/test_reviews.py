"""Reviews end to end: only buyers rate, one review per buyer and item, the item's totals follow, the
list pages lazily and shows what people typed literally."""

from decimal import Decimal

import trio

from storage import ItemRecord, PurchaseRequest
from telegram.callback_data import CallbackData
from telegram.emulator import EmulatedUser
from telegram.emulator.entities import utf16_len
from telegram.screens.user.callbacks import RateItem, ShowReviews
from telegram.screens.user.reviews import CancelReview, RateStars, SkipReviewText
from tests.support.chat import last_answer
from tests.support.shop import OWNER_ID, TOKEN, RunningShop, open_shop
from tests.support.waiting import eventually

TITLE = "Space <Game> & Co"


async def seed(shop: RunningShop, units: int = 10) -> ItemRecord:
    await shop.store.add_category("Games")
    item = await shop.store.add_item("Games", TITLE, Decimal("1.00"), "A game")
    await shop.store.add_stock(TITLE, [f"KEY-{n}" for n in range(units)])
    return item


async def buyer(shop: RunningShop, item: ItemRecord, user_id: int, first_name: str, language: str | None = None) -> None:
    """A user who has bought the item (registered and served by the store directly)."""
    await shop.store.register_user(user_id, username=None, first_name=first_name, language_code=language, owner_id=OWNER_ID)
    await shop.store.credit_user(user_id, Decimal("1.00"))
    await shop.store.buy([PurchaseRequest(key=f"test:{user_id}:{item.id}", user_id=user_id, item_id=item.id)])


async def offer(shop: RunningShop, user: EmulatedUser, label: str, data: CallbackData) -> None:
    """A bot message carrying one button, standing in for the screens that offer it (the purchase
    receipt, the history, the item card): the user starts the chat first, then presses `label`."""
    if not user.bot_messages():
        await user.send_text("/start")
        await user.wait_for(lambda m: bool(m.get("reply_markup")))
    markup = {"inline_keyboard": [[{"text": label, "callback_data": data.pack()}]]}
    await shop.emu.call_api(TOKEN, "sendMessage", {"chat_id": user.id, "text": "·", "reply_markup": markup})
    await user.press(label)


async def rate(shop: RunningShop, user: EmulatedUser, item: ItemRecord, stars: int, text: str | None) -> None:
    await offer(shop, user, "Rate", RateItem(item_id=item.id))
    await user.wait_for_text("How would you rate it?" if user.language_code != "ru" else "Как вы его оцените?")
    await user.press(f"{stars} ⭐")
    await user.wait_for_text("send a few words" if user.language_code != "ru" else "напишите пару слов")
    if text is None:
        await user.press("Skip" if user.language_code != "ru" else "Пропустить")
    else:
        await user.send_text(text)


async def test_buyers_rate_and_edit_and_the_item_totals_follow(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        item = await seed(shop)
        await buyer(shop, item, 1001, "Ann")
        await buyer(shop, item, 1002, "Bob")
        ann, bob = shop.emu.user(1001, first_name="Ann"), shop.emu.user(1002, first_name="Bob")

        await rate(shop, ann, item, 4, "<b>Great</b> & fast")
        saved = await ann.wait_for_text("Thank you! Your review of")
        assert saved["text"] == f"✅ Thank you! Your review of {TITLE} is saved: ★★★★☆"
        after_ann = await shop.store.get_item(item.id)
        assert (after_ann.rating, after_ann.rating_count) == (Decimal("4.0"), 1)

        await rate(shop, bob, item, 5, None)
        await bob.wait_for_text("is saved: ★★★★★")
        after_bob = await shop.store.get_item(item.id)
        assert (after_bob.rating, after_bob.rating_count) == (Decimal("4.5"), 2)

        # Rating again edits the one review: the sum moves by the difference, the count stays.
        await offer(shop, ann, "Rate", RateItem(item_id=item.id))
        await ann.wait_for_text("Your rating: ★★★★☆")
        await ann.press("2 ⭐")
        prompt = await ann.wait_for_text("press Skip to keep the one you wrote")
        assert prompt["text"].endswith("<b>Great</b> & fast")
        await ann.press("Skip")
        await ann.wait_for_text(f"Your review of {TITLE} is updated: ★★☆☆☆")
        edited = await shop.store.get_item(item.id)
        assert (edited.rating, edited.rating_count) == (Decimal("3.5"), 2)

        await ann.press("💬 All reviews")
        listing = await ann.wait_for_text("Reviews of")
        # Newest first: Ann edited last. Her text is shown as typed, not as HTML.
        assert listing["text"] == (
            f"Reviews of {TITLE}\n⭐ 3.5 · 2 reviews\n\n★★☆☆☆ Ann\n<b>Great</b> & fast\n\n★★★★★ Bob"
        )
        assert {e["type"] for e in listing["entities"]} == {"bold"}
        assert [b["text"] for row in listing["reply_markup"]["inline_keyboard"] for b in row] == [
            "✍️ Write a review", "‹ Back"]
        page = (await shop.store.item_reviews(item.id, 1, 10)).page
        assert [(r.first_name, r.rating, r.text) for r in page.rows] == [("Ann", 2, "<b>Great</b> & fast"), ("Bob", 5, "")]

        # Back on the item card (the catalog's screen), the average and count are shown.
        await ann.press("‹ Back")
        card = await ann.wait_for_text("In stock:")
        assert card["text"].endswith("★ 3.5 (2 reviews)")
        await ann.press("💬 2 reviews")
        await ann.wait_for_text("⭐ 3.5 · 2 reviews")
        assert await shop.store.check_ledger() == []


async def test_a_non_buyer_is_refused_and_nothing_changes(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        item = await seed(shop)
        carol = shop.emu.user(1003, first_name="Carol")
        await offer(shop, carol, "Rate", RateItem(item_id=item.id))
        answer = await last_answer(carol, 0)
        assert answer == {**answer, "text": "Only buyers of this item can review it.", "show_alert": True}
        # A forged Skip (it would save a rating) is re-checked on the server.
        before = len(carol.callback_answers)
        await offer(shop, carol, "Skip", SkipReviewText(item_id=item.id, rating=5))
        assert (await last_answer(carol, before))["text"] == "Only buyers of this item can review it."
        unchanged = await shop.store.get_item(item.id)
        assert (unchanged.rating, unchanged.rating_count) == (None, 0)
        assert (await shop.store.item_reviews(item.id, 1, 10)).page.total == 0


async def test_too_long_or_empty_text_is_explained_and_asked_again(sqlite_url: str) -> None:
    # Many replies to one chat: per-chat flood control would make the test wait a second for each.
    async with open_shop(sqlite_url, shop={"review_max_length": 10}, chat_rate=100.0, chat_burst=100) as shop:
        item = await seed(shop)
        await buyer(shop, item, 1004, "Dan")
        dan = shop.emu.user(1004, first_name="Dan")
        # Cancel at the text prompt: back to the item, and nothing waits for a text any more.
        await offer(shop, dan, "Rate", RateItem(item_id=item.id))
        await dan.wait_for_text("How would you rate it?")
        await dan.press("5 ⭐")
        await dan.wait_for_text("send a few words")
        await dan.press("Cancel")
        await dan.wait_for_text("In stock:")
        await dan.send_text("not a review")
        await dan.wait_for_text("Please use the buttons below")
        assert (await shop.store.get_item(item.id)).rating_count == 0

        await rate(shop, dan, item, 3, "far too long a text")
        await dan.wait_for_text("Your text is 19 characters long; a review may have at most 10 characters.")
        assert (await shop.store.get_item(item.id)).rating_count == 0
        # Lengths are counted as Telegram counts them: six emoji are 12 UTF-16 code units.
        await dan.send_text("😀" * 6)
        await dan.wait_for_text("Your text is 12 characters long; a review may have at most 10 characters.")
        assert (await shop.store.get_item(item.id)).rating_count == 0
        await dan.send_text("   ")
        await dan.wait_for_text("Please send your review as a text message, or press Skip.")
        await dan.send_text("just right")
        await dan.wait_for_text("Your review of Space <Game> & Co is saved: ★★★☆☆")
        # The answer was taken: the next text is not a review.
        await dan.send_text("hello?")
        await dan.wait_for(lambda _: sum("Please use the buttons" in m["text"] for m in dan.bot_messages()) == 2)
        page = (await shop.store.item_reviews(item.id, 1, 10)).page
        assert [(r.rating, r.text) for r in page.rows] == [(3, "just right")]


async def test_reviews_in_russian(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        item = await seed(shop)
        await buyer(shop, item, 1005, "Иван", "ru")
        ivan = shop.emu.user(1005, first_name="Иван", language_code="ru")
        await rate(shop, ivan, item, 5, "Отличная игра")
        await ivan.wait_for_text(f"✅ Спасибо! Ваш отзыв сохранён: {TITLE} — ★★★★★")
        await ivan.press("💬 Все отзывы")
        listing = await ivan.wait_for_text("— отзывы")
        assert listing["text"] == f"{TITLE} — отзывы\n⭐ 5.0 · 1 отзыв\n\n★★★★★ Иван\nОтличная игра"
        assert (await shop.store.get_item(item.id)).rating == Decimal("5.0")


async def test_the_list_pages_lazily_newest_first_and_fits_one_message(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, shop={"page_size": 2, "review_max_length": 3000}) as shop:
        item = await seed(shop, units=5)
        names = ["<i>Eve</i>", "Fay", "Gus", "Hal", "Ida"]
        for n, name in enumerate(names):
            await buyer(shop, item, 2000 + n, name)
            await shop.store.save_review(2000 + n, item.id, n + 1, "x" * 3000)
        viewer = shop.emu.user(1006, first_name="Vic")
        await offer(shop, viewer, "Reviews", ShowReviews(item_id=item.id))
        first = await viewer.wait_for_text("⭐ 3.0 · 5 reviews")
        assert first["text"].count("★★★★★ Ida") == 1 and "★★★★☆ Hal" in first["text"]
        assert [b["text"] for b in first["reply_markup"]["inline_keyboard"][0]] == ["1/3", "›"]
        # Each 3000-character text is cut to its share of one message.
        assert len(first["text"]) <= 4096 and "x…" in first["text"]
        await viewer.press("›")
        await viewer.wait_for_text("★★★☆☆ Gus")
        await viewer.press("›")
        last = await viewer.wait_for_text("★☆☆☆☆ <i>Eve</i>")
        assert "italic" not in {e["type"] for e in last.get("entities", [])}
        assert [b["text"] for b in last["reply_markup"]["inline_keyboard"][0]] == ["‹", "3/3"]


async def test_concurrent_ratings_keep_the_totals_in_step(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        item = await seed(shop, units=3)
        for user_id in (3001, 3002, 3003):
            await buyer(shop, item, user_id, f"U{user_id}")
        async with trio.open_nursery() as nursery:
            for n in range(12):
                nursery.start_soon(shop.store.save_review, 3001 + n % 3, item.id, 1 + n % 5, None)
        page = (await shop.store.item_reviews(item.id, 1, 10)).page
        stored = await shop.store.get_item(item.id)
        assert stored.rating_count == page.total == 3
        expected = (Decimal(sum(r.rating for r in page.rows)) / 3).quantize(Decimal("0.1"))
        assert stored.rating == expected


async def test_a_page_of_emoji_reviews_fits_one_message_as_telegram_counts_it(sqlite_url: str) -> None:
    """Emoji outside the Basic Multilingual Plane count twice in Telegram's 4096: a page full of them
    still opens, for every viewer, and each page stays within the limit."""
    async with open_shop(sqlite_url, shop={"review_max_length": 3000}, chat_rate=100.0, chat_burst=100) as shop:
        item = await seed(shop, units=20)
        for n in range(17):
            user_id = 4000 + n
            # Names and texts near their limits, in astral characters (two code units each), with
            # characters that HTML escapes (&amp; is one character for Telegram).
            await buyer(shop, item, user_id, "🦄" * 40)
            text = "🙂" * 1499 + "&" if n % 2 else "<😀>" * 750
            await shop.store.save_review(user_id, item.id, 1 + n % 5, text)
        for viewer_id, language, title in ((1007, None, "Reviews of"), (1008, "ru", "— отзывы")):
            viewer = shop.emu.user(viewer_id, first_name="Viewer", language_code=language)
            await offer(shop, viewer, "Reviews", ShowReviews(item_id=item.id))
            pages = [await viewer.wait_for_text(title)]
            assert [b["text"] for b in pages[0]["reply_markup"]["inline_keyboard"][0]] == ["1/3", "›"]
            for number in (2, 3):
                await viewer.press("›")
                pages.append(await viewer.wait_for(lambda m, n=number: f"{n}/3" in str(m.get("reply_markup"))))
            # The emulator refuses a longer text as Telegram does; full pages share out nearly all of it,
            # the last one (one review) shows its text whole.
            assert [utf16_len(page["text"]) > 4000 for page in pages] == [True, True, False]
            for page in pages:
                assert utf16_len(page["text"]) <= 4096
                assert "🦄" * 15 + "…" in page["text"] and "🦄" * 16 not in page["text"]
            assert "🙂" * 1499 + "&" in pages[2]["text"] or "<😀>" * 750 in pages[2]["text"]


async def test_forged_item_ids_out_of_range_are_answered_as_gone(database_url: str) -> None:
    """A button carrying an item id no row can have (ids are 32-bit) is answered like one for an item
    that is gone, on PostgreSQL as on SQLite: never an error."""
    async with open_shop(database_url) as shop:
        item = await seed(shop)
        await buyer(shop, item, 1009, "Eve")
        eve = shop.emu.user(1009, first_name="Eve")
        await eve.send_text("/start")
        await eve.wait_for_text("Welcome")
        forged = [
            ShowReviews(item_id=2**40), ShowReviews(item_id=2**63 - 1, page=2), RateItem(item_id=2**31),
            RateStars(item_id=-(2**40), rating=5), SkipReviewText(item_id=2**40, rating=4),
        ]
        for count, data in enumerate(forged):
            await eve.press_data(data.pack())
            answer = await last_answer(eve, count)
            assert answer == {**answer, "text": "This item is no longer for sale.", "show_alert": True}, answer
        # Cancel goes back to the item card, which answers the same way.
        await eve.press_data(CancelReview(item_id=2**40).pack())
        assert (await last_answer(eve, len(forged)))["text"] == "This item is no longer for sale."
        await eventually(lambda: "Choose a category" in eve.bot_messages()[-1]["text"], what="the shop screen")
        assert not any("Something went wrong" in (m.get("text") or "") for m in eve.bot_messages())
        assert (await shop.store.get_item(item.id)).rating_count == 0
