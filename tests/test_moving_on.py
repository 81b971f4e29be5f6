"""A buyer who taps twice or walks away from a question is not surprised later, and questions nobody
answers are not remembered for ever."""

from decimal import Decimal

import trio
import trio.testing

from actors.purchases import PurchaseSerializer
from actors.shop import chat_dispatcher
from storage import Delivered, PurchaseRequest, open_store
from telegram.client import BotClient
from telegram.emulator import Emulator
from telegram.routing.context import PENDING_SECONDS
from tests.support.chat import labels, press_when_shown
from tests.support.shop import TOKEN, open_shop, shop_settings
from tests.support.store import seed_item
from tests.support.waiting import eventually


async def test_a_double_tap_on_confirm_buys_once(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        await seed_item(shop.store, units=["K1", "K2", "K3"])
        ann = shop.emu.user(1001, first_name="Ann")
        await ann.send_text("/start")
        await ann.wait_for_text("Welcome")
        await shop.store.credit_user(1001, Decimal("100.00"))
        for label in ("🛍 Shop", "Games (1)", "Space <Game> & Co · 10.00 USD", "Buy", "1"):
            await press_when_shown(ann, label)
        order = await ann.wait_for(lambda m: "✅ Confirm" in labels(m))
        confirm = next(b["callback_data"] for row in order["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "✅ Confirm")
        await ann.press_data(confirm, order["message_id"])
        await ann.press_data(confirm, order["message_id"])
        await eventually(lambda: len(ann.callback_answers) >= 7, what="both taps answered")
        await ann.wait_for_text("K1")
        assert (await shop.store.get_user(1001)).balance == Decimal("90.00")
        assert not any("K2" in (m.get("text") or "") for m in ann.bot_messages())
        assert await shop.store.check_ledger() == []


async def test_a_command_or_a_button_abandons_the_question_asked(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        ann = shop.emu.user(1002, first_name="Ann")
        await ann.send_text("/start")
        await press_when_shown(ann, "🔍 Search")
        await ann.wait_for_text("Send a word from the name")
        await press_when_shown(ann, "🏠 Main menu")
        await ann.wait_for_text("Choose what you need")
        sent = await ann.send_text("hello")
        answer = await ann.wait_for(lambda m: m["message_id"] > sent["message_id"])
        assert answer["text"] == "Please use the buttons below."

        await press_when_shown(ann, "🔍 Search")
        await ann.wait_for_text("Send a word from the name")
        await ann.send_text("/menu")
        menu = await ann.wait_for(lambda m: m["message_id"] > sent["message_id"] + 1 and "Choose what you need" in (m.get("text") or ""))
        sent = await ann.send_text("hello again")
        answer = await ann.wait_for(lambda m: m["message_id"] > sent["message_id"])
        assert answer["text"] == "Please use the buttons below.", menu


async def test_an_item_sold_out_while_the_quantity_is_typed_is_said_so(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        await seed_item(shop.store, units=["K1", "K2"])
        ann = shop.emu.user(1003, first_name="Ann")
        await ann.send_text("/start")
        await ann.wait_for_text("Welcome")
        for label in ("🛍 Shop", "Games (1)", "Space <Game> & Co · 10.00 USD", "Buy", "✏️ Other amount"):
            await press_when_shown(ann, label)
        await ann.wait_for_text("Send the number of units you want")
        await shop.store.register_user(1004, username=None, first_name="Bob", language_code="en", owner_id=1)
        await shop.store.credit_user(1004, Decimal("20.00"))
        item = (await shop.store.search_items("space", 1, 5)).rows[0]
        [bought] = await shop.store.buy([PurchaseRequest(key="bob", user_id=1004, item_id=item.id, quantity=2)])
        assert isinstance(bought, Delivered)
        await ann.send_text("1")
        await ann.wait_for_text("Sorry, this item is sold out.")
        await ann.wait_for_text("Sold out")


async def test_questions_nobody_answers_are_forgotten_after_their_lifetime(
    sqlite_url: str, autojump_clock: trio.testing.MockClock
) -> None:
    """The dispatcher remembers whom it asked a question (so that their next press or command drops
    it) only as long as a question lasts: fifty buyers who asked for a search and left are forgotten."""
    emu = Emulator()
    emu.create_bot(token=TOKEN, username="shop_bot", first_name="Shop")
    settings = shop_settings(sqlite_url)
    async with open_store(settings.storage) as store, BotClient(settings.telegram, transport=emu.transport()) as bot:
        dispatcher = chat_dispatcher(settings, store, bot, PurchaseSerializer(store))
        offset = 0

        async def handle() -> None:
            nonlocal offset
            for update in await bot.get_updates(offset=offset, timeout=0):
                offset = update.update_id + 1
                await dispatcher.feed(update)

        for user_id in range(2001, 2051):
            await emu.user(user_id, f"Buyer{user_id}").send_text("/search")
            await handle()
        assert len(dispatcher.asked) == 50

        await trio.sleep(PENDING_SECONDS)
        ann = emu.user(1001, "Ann")
        await ann.send_text("/search")
        await handle()
        assert list(dispatcher.asked) == [ann.id]
        # What it is for still works: her press drops her question, so her next text is no search.
        await ann.press("🏠 Main menu")
        await handle()
        await ann.send_text("cable")
        await handle()
        assert ann.bot_messages()[-1]["text"] == "Please use the buttons below."
        assert len(dispatcher.asked) == 0
