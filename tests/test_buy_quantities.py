"""Buying through the chat: quantities (and typed ones that are wrong), every item kind, long
deliveries, and a price that changes under the buyer's finger."""

from decimal import Decimal

from storage import Store
from storage.models import Item
from tests.support.chat import entity_text, labels, last_answer, open_card, press_when_shown, reply_to
from tests.support.shop import open_shop

# Characters Telegram HTML would eat if the key were not escaped.
ODD_KEY = "K<1>&amp;2"


async def stocked(
    store: Store, units: list[str], *, price: str = "10.00", buyers: dict[int, str], language: str | None = None
) -> int:
    await store.add_category("Games")
    item = await store.add_item("Games", "Quest", Decimal(price))
    await store.add_stock("Quest", units)
    for user_id, balance in buyers.items():
        await store.register_user(user_id, username=None, first_name="b", language_code=language, owner_id=1)
        await store.credit_user(user_id, Decimal(balance), kind="topup")
    return item.id


async def set_price(store: Store, item_id: int, price: str) -> None:
    """The operator changes the price (there is no screen for it in this test's way)."""

    async def update() -> None:
        await Item.filter(id=item_id).update(price=Decimal(price))

    await store.cross(update)


async def test_buying_three_units_delivers_three_distinct_keys(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        item_id = await stocked(shop.store, [ODD_KEY, *(f"KEY-{n}" for n in range(11))], buyers={1001: "50.00"})
        ann = shop.emu.user(1001, first_name="Ann")
        await open_card(ann, "Games (1)", "Quest · 10.00 USD")
        await ann.press("Buy")
        screen = await ann.wait_for_text("How many would you like? (1 to 10)")
        assert labels(screen) == ["1", "2", "3", "4", "5", "10", "✏️ Other amount", "Cancel"]
        await ann.press("3")
        confirm = await ann.wait_for_text("Quantity: 3")
        assert "Unit price: 10.00 USD\nTotal: 30.00 USD\nYour balance: 50.00 USD" in confirm["text"]
        # 30.00 USD at 50 Stars each; no Top up button, since the balance covers it.
        assert labels(confirm) == ["✅ Confirm", "⭐ Pay with Stars: 1500", "🎟 Promo code", "Cancel"]
        await ann.press("✅ Confirm")
        done = await ann.wait_for_text("Purchase complete")
        assert "Quest × 3 for 30.00 USD" in done["text"] and "Balance left: 20.00 USD" in done["text"]
        assert labels(done) == ["⭐ Rate", "📦 Show the goods", "🛍 Shop", "🏠 Main menu"]
        delivery = await ann.wait_for_text("📦 Quest")
        keys = [entity_text(delivery["text"], e) for e in delivery["entities"] if e["type"] == "code"]
        assert keys == [ODD_KEY, "KEY-0", "KEY-1"], "shown exactly, each in its own <code> block"
        assert (await shop.store.get_item(item_id)).stock_left == 9
        assert (await shop.store.get_user(1001)).balance == Decimal("20.00")
        assert await shop.store.check_ledger() == []


async def test_typed_quantities_are_checked_in_english(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, shop={"max_quantity": 3}) as shop:
        item_id = await stocked(shop.store, ["A", "B", "C", "D"], buyers={1002: "50.00"})
        bob = shop.emu.user(1002, first_name="Bob")
        await open_card(bob, "Games (1)", "Quest · 10.00 USD")
        await bob.press("Buy")
        screen = await bob.wait_for_text("(1 to 3)")
        assert labels(screen)[:3] == ["1", "2", "3"] and "4" not in labels(screen)
        await bob.press("✏️ Other amount")
        await bob.wait_for_text("Send the number of units you want, from 1 to 3.")
        for typed, answer in (
            ("lots", "That is not a whole number. Send a number from 1 to 3."),
            # A number out of range is told the range, however far out (issue 12).
            ("-2", "The quantity must be at least 1. Send a number from 1 to 3."),
            ("9" * 20, "Only 4 units are in stock. Send a number from 1 to 3."),
            ("-" + "9" * 20, "The quantity must be at least 1. Send a number from 1 to 3."),
            ("2.5", "That is not a whole number. Send a number from 1 to 3."),
            ("0", "The quantity must be at least 1. Send a number from 1 to 3."),
            ("5", "Only 4 units are in stock. Send a number from 1 to 3."),
            ("4", "At most 3 per order. Send a number from 1 to 3."),
        ):
            reply = await reply_to(bob, typed)
            assert reply["text"] == answer and labels(reply) == ["Cancel"], typed
        assert (await shop.store.get_item(item_id)).stock_left == 4
        assert (await shop.store.get_user(1002)).balance == Decimal("50.00")
        await bob.send_text(" 2 ")
        confirm = await bob.wait_for_text("Quantity: 2")
        assert "Total: 20.00 USD" in confirm["text"]
        # The question was answered: more text is not a quantity any more.
        assert (await reply_to(bob, "7"))["text"].startswith("Please use the buttons below")
        await bob.press("✅ Confirm")
        await bob.wait_for_text("Quest × 2 for 20.00 USD")

        # Cancel leaves the question: back to the quantities, and text is just text again.
        await press_when_shown(bob, "🛍 Shop")
        await press_when_shown(bob, "Games (1)")
        await press_when_shown(bob, "Quest · 10.00 USD")
        await press_when_shown(bob, "Buy")
        await press_when_shown(bob, "✏️ Other amount")
        await bob.wait_for_text("from 1 to 2.")
        await bob.press("Cancel")
        await bob.wait_for_text("How many would you like? (1 to 2)")
        assert (await reply_to(bob, "1"))["text"].startswith("Please use the buttons below")
        assert await shop.store.check_ledger() == []


async def test_typed_quantities_are_checked_in_russian(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, shop={"max_quantity": 3}) as shop:
        await stocked(shop.store, ["A", "B", "C", "D"], buyers={1003: "50.00"}, language="ru")
        vera = shop.emu.user(1003, first_name="Вера", language_code="ru")
        await open_card(vera, "Games (1)", "Quest · 10,00 USD", shop="🛍 Магазин")
        await vera.press("Купить")
        await vera.wait_for_text("Сколько штук вам нужно? (от 1 до 3)")
        await vera.press("✏️ Другое количество")
        await vera.wait_for_text("Отправьте нужное количество — число от 1 до 3.")
        for typed, answer in (
            ("много", "Это не целое число. Отправьте число от 1 до 3."),
            ("0", "Количество должно быть не меньше 1. Отправьте число от 1 до 3."),
            ("5", "В наличии только 4 штуки. Отправьте число от 1 до 3."),
            ("4", "В одном заказе не больше 3 шт. Отправьте число от 1 до 3."),
        ):
            reply = await reply_to(vera, typed)
            assert reply["text"] == answer and labels(reply) == ["Отмена"], typed
        await vera.send_text("3")
        confirm = await vera.wait_for_text("Количество: 3")
        assert "Цена за штуку: 10,00 USD\nИтого: 30,00 USD\nВаш баланс: 50,00 USD" in confirm["text"]
        await vera.press("✅ Подтвердить")
        done = await vera.wait_for_text("Покупка завершена")
        assert "Quest × 3 за 30,00 USD" in done["text"] and labels(done)[0] == "⭐ Оценить"
        assert (await shop.store.get_user(1003)).balance == Decimal("20.00")


async def test_unlimited_and_file_items_sell_one_at_a_time(database_url: str) -> None:
    document = bytes(range(256)) * 3
    async with open_shop(database_url) as shop:
        await shop.store.add_category("Games")
        await shop.store.add_item("Games", "Manual", Decimal("2.00"), kind="file", file_name="manual.pdf", file_data=document)
        await shop.store.add_item("Games", "Licence", Decimal("3.00"), kind="unlimited", content="LIC <all> & every")
        await shop.store.register_user(1004, username=None, first_name="Cy", language_code=None, owner_id=1)
        await shop.store.credit_user(1004, Decimal("10.00"), kind="topup")
        cy = shop.emu.user(1004, first_name="Cy")
        for title, price in (("Licence", "3.00"), ("Manual", "2.00")):
            await open_card(cy, "Games (2)", f"{title} · {price} USD")
            await cy.press("Buy")
            # No quantity screen: these never run out and sell one at a time.
            await cy.wait_for_text(f"{title}\nQuantity: 1")
            await cy.press("✅ Confirm")
            await cy.wait_for_text(f"{title} × 1 for {price} USD")
        licence = await cy.wait_for_text("LIC <all> & every")
        assert any(e["type"] == "code" for e in licence["entities"])
        sent = await cy.wait_for(lambda m: "document" in m)
        assert sent["document"]["file_name"] == "manual.pdf" and "Manual" in sent["caption"]
        assert shop.emu.files[sent["document"]["file_id"]].content == document
        assert (await shop.store.get_user(1004)).balance == Decimal("5.00")
        assert await shop.store.check_ledger() == []


async def test_a_long_delivery_arrives_as_a_text_file(sqlite_url: str) -> None:
    keys = [f"{n:02d}-" + "X" * 600 + "<&>" for n in range(10)]
    async with open_shop(sqlite_url) as shop:
        await stocked(shop.store, keys, price="1.00", buyers={1005: "20.00"})
        dee = shop.emu.user(1005, first_name="Dee")
        await open_card(dee, "Games (1)", "Quest · 1.00 USD")
        await dee.press("Buy")
        await press_when_shown(dee, "10")
        await press_when_shown(dee, "✅ Confirm")
        sent = await dee.wait_for(lambda m: "document" in m)
        assert sent["document"]["file_name"].endswith(".txt") and "your goods are in the file" in sent["caption"]
        assert shop.emu.files[sent["document"]["file_id"]].content.decode().splitlines() == keys
        await dee.wait_for_text("Quest × 10 for 10.00 USD")


async def test_a_price_change_after_the_confirmation_is_refused(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        item_id = await stocked(shop.store, ["ONLY"], buyers={1006: "20.00"})
        eve = shop.emu.user(1006, first_name="Eve")
        await open_card(eve, "Games (1)", "Quest · 10.00 USD")
        await eve.press("Buy")
        await eve.wait_for_text("Total: 10.00 USD")
        await set_price(shop.store, item_id, "12.00")
        before = len(eve.callback_answers)
        await eve.press("✅ Confirm")
        answer = await last_answer(eve, before)
        assert answer["show_alert"] and answer["text"].startswith("The price has changed: this order now costs 12.00 USD.")
        await eve.wait_for_text("Total: 12.00 USD")
        assert (await shop.store.get_user(1006)).balance == Decimal("20.00")
        assert (await shop.store.get_item(item_id)).stock_left == 1
        await eve.press("✅ Confirm")
        await eve.wait_for_text("Quest × 1 for 12.00 USD")
        assert (await shop.store.get_user(1006)).balance == Decimal("8.00")
