"""An order is paid once, whichever route pays it: Stars from its confirmation screen, or Confirm from
the balance. Once paid, its screen becomes the receipt, and the other route is answered "already paid"
and charges nothing (or, when both raced past the pre-checkout, the Stars stay on the balance)."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from storage import (
    AlreadyBought, Delivered, PaymentEvent, PaymentRecord, PurchaseRequest, PurchaseResult, Settled, StorageError,
    StorageSettings, open_store,
)
from telegram.emulator import EmulatedUser
from tests.support.orders import BUYER, all_at_once, register
from tests.support.chat import labels, last_answer, open_card, press_when_shown, reply_to
from tests.support.payments import invoices, top_up
from tests.support.shop import RunningShop, open_shop
from tests.support.store import seed_item

ITEM = "Space <Game> & Co · 10.00 USD"
STARS = "⭐ Pay with Stars: 500"
ALREADY_PAID = "This order is already paid. To buy another, start a new order with Buy on the item."
RECEIPT = ["⭐ Rate", "📦 Show the goods", "🛍 Shop", "🏠 Main menu"]


async def order_screen(
    shop: RunningShop, ann: EmulatedUser, *, shop_label: str = "🛍 Shop", buy: str = "Buy", item: str = ITEM
) -> dict[str, Any]:
    """Ann, with 100.00 on her balance, at the confirmation of one unit of an item with three in stock."""
    await seed_item(shop.store, units=["KEY-1", "KEY-2", "KEY-3"])
    await open_card(ann, "Games (1)", item, shop=shop_label)
    await shop.store.credit_user(ann.id, Decimal("100.00"))
    await ann.press(buy)
    await press_when_shown(ann, "1")
    return await ann.wait_for(lambda m: bool({"✅ Confirm", "✅ Подтвердить"} & set(labels(m))))


def button(message: dict[str, Any], label: str) -> str:
    return next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row if b["text"] == label)


async def receipt_on(ann: EmulatedUser, screen: dict[str, Any], done: str = "Purchase complete") -> dict[str, Any]:
    """The order's own screen, once it shows the receipt."""
    return await ann.wait_for(lambda m: m["message_id"] == screen["message_id"] and done in (m.get("text") or ""))


def shown(ann: EmulatedUser, text: str) -> int:
    return sum(text in (m.get("text") or "") for m in ann.bot_messages())


async def assert_bought_once(shop: RunningShop, ann: EmulatedUser, balance: str) -> None:
    await reply_to(ann, "/help")  # a chat's updates are handled in order: every press before it is done
    assert (await shop.store.get_user(ann.id)).balance == Decimal(balance)
    assert (await shop.store.purchase_history(ann.id, 1, 10)).total == 1
    assert shown(ann, "KEY-2") == 0
    assert (await shop.store.search_items("space", 1, 5)).rows[0].stock_left == 2
    assert await shop.store.check_ledger() == []


async def test_an_order_paid_with_stars_is_not_bought_again_by_its_confirm(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        ann = shop.emu.user(1001, "Ann")
        screen = await order_screen(shop, ann)
        confirm, stars = button(screen, "✅ Confirm"), button(screen, STARS)
        await ann.press(STARS, screen["message_id"])
        await ann.wait_for(lambda m: bool(invoices(ann)))
        assert (await ann.pay()).status == "paid"
        await ann.wait_for_text("KEY-1")
        # The old screen's Confirm, pressed late (or from a client that still shows it).
        answered = len(ann.callback_answers)
        await ann.press_data(confirm, screen["message_id"])
        assert await last_answer(ann, answered) == {
            "callback_query_id": ann.callback_answers[answered]["callback_query_id"], "text": ALREADY_PAID, "show_alert": True,
        }
        receipt = await receipt_on(ann, screen)
        assert receipt["text"] == "✅ Purchase complete: Space <Game> & Co × 1 for 10.00 USD.\nBalance left: 100.00 USD"
        assert labels(receipt) == RECEIPT
        # A second Pay with Stars on it opens no second invoice.
        answered = len(ann.callback_answers)
        await ann.press_data(stars, screen["message_id"])
        assert (await last_answer(ann, answered))["text"] == ALREADY_PAID
        await assert_bought_once(shop, ann, "100.00")
        assert len(invoices(ann)) == 1 and ann.stars == 10_000 - 500


async def test_the_stars_payment_turns_the_order_screen_into_the_receipt(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        ann = shop.emu.user(1001, "Ann")
        screen = await order_screen(shop, ann)
        await ann.press(STARS, screen["message_id"])
        await ann.wait_for(lambda m: bool(invoices(ann)))
        assert (await ann.pay()).status == "paid"
        receipt = await receipt_on(ann, screen)
        assert labels(receipt) == RECEIPT
        await ann.press("📦 Show the goods", receipt["message_id"])
        await ann.wait_for(lambda _: shown(ann, "KEY-1") == 2)  # the goods again, from the purchase
        await assert_bought_once(shop, ann, "100.00")


async def test_a_confirmed_order_refuses_its_open_stars_invoice(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        ann = shop.emu.user(1001, "Ann")
        screen = await order_screen(shop, ann)
        await ann.press(STARS, screen["message_id"])
        await ann.wait_for(lambda m: bool(invoices(ann)))
        await ann.press("✅ Confirm", screen["message_id"])
        await receipt_on(ann, screen)
        outcome = await ann.pay()
        assert (outcome.status, outcome.error_message) == ("refused", "This order is already paid. You were not charged.")
        assert ann.stars == 10_000
        await assert_bought_once(shop, ann, "90.00")


async def test_stars_that_raced_past_a_confirm_stay_on_the_balance(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        ann = shop.emu.user(1001, "Ann")
        screen = await order_screen(shop, ann)
        await ann.press(STARS, screen["message_id"])
        await ann.wait_for(lambda m: bool(invoices(ann)))

        async def confirm_meanwhile() -> None:
            # Telegram accepted the payment; before it is charged, the order is bought from the balance.
            await ann.press("✅ Confirm", screen["message_id"])
            await receipt_on(ann, screen)

        outcome = await ann.pay(before_charge=confirm_meanwhile)
        assert outcome.status == "paid" and ann.stars == 10_000 - 500
        note = await ann.wait_for_text("already been paid from your balance")
        assert note["text"] == (
            "✅ Payment received (10.00 USD), but this order had already been paid from your balance, so nothing was "
            "bought twice. The money is on your balance: 100.00 USD."
        )
        assert labels(note) == ["🛍 Shop", "🏠 Main menu"]
        await assert_bought_once(shop, ann, "100.00")
        ledger = await shop.store.ledger_page(ann.id, 1, 10)
        assert [(row.kind, row.amount) for row in ledger.rows][:2] == [
            ("topup", Decimal("10.00")), ("purchase", Decimal("-10.00")),
        ]


async def test_a_confirm_handled_again_answers_in_russian_and_offers_the_goods(database_url: str) -> None:
    """The same press handled twice (a double tap, or the inbox replaying it after a crash that came
    after the purchase committed): bought once, and the receipt still leads to the goods."""
    async with open_shop(database_url) as shop:
        vera = shop.emu.user(1002, "Вера", language_code="ru")
        # Russian writes the price 10,00 USD.
        screen = await order_screen(shop, vera, shop_label="🛍 Магазин", buy="Купить", item="Space <Game> & Co · 10,00 USD")
        confirm = button(screen, "✅ Подтвердить")
        await vera.press("⭐ Оплатить звёздами: 500", screen["message_id"])
        await vera.wait_for(lambda m: bool(invoices(vera)))
        await vera.press_data(confirm, screen["message_id"])
        await receipt_on(vera, screen, "Покупка завершена")
        await vera.wait_for_text("KEY-1")
        answered = len(vera.callback_answers)
        await vera.press_data(confirm, screen["message_id"])
        assert (await last_answer(vera, answered))["text"] == (
            "Этот заказ уже оплачен. Чтобы купить ещё, начните новый заказ кнопкой «Купить» на карточке товара."
        )
        receipt = await receipt_on(vera, screen, "Покупка завершена")
        assert labels(receipt) == ["⭐ Оценить", "📦 Показать товар", "🛍 Магазин", "🏠 Главное меню"]
        await vera.press("📦 Показать товар", receipt["message_id"])
        await vera.wait_for(lambda _: shown(vera, "KEY-1") == 2)
        outcome = await vera.pay()
        assert (outcome.status, outcome.error_message) == ("refused", "Этот заказ уже оплачен. Деньги не списаны.")
        await assert_bought_once(shop, vera, "90.00")


async def test_a_credited_top_up_has_buttons_onward(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        await seed_item(shop.store, units=["KEY-1"])
        ann = shop.emu.user(1001, "Ann")
        await top_up(ann)
        note = await ann.wait_for_text("Payment received")
        assert labels(note) == ["🛍 Shop", "🏠 Main menu"]
        await ann.press("🛍 Shop", note["message_id"])
        await ann.wait_for(lambda m: m["message_id"] == note["message_id"] and "Choose a category" in (m.get("text") or ""))


async def test_a_confirm_and_a_stars_payment_of_one_order_at_once_buy_it_once(database_url: str) -> None:
    """Both routes of one order in the database at the same moment, again and again: one purchase
    each time, and the Stars either bought it or stayed on the balance."""
    async with open_store(StorageSettings(database_url=database_url)) as store:
        await register(store, BUYER)
        await seed_item(store, units=[f"KEY-{n}" for n in range(20)])
        item_id = (await store.search_items("space", 1, 5)).rows[0].id
        await store.credit_user(BUYER, Decimal("200.00"))
        price = Decimal("10.00")
        for round_ in range(10):
            key = f"order:{BUYER}:round{round_}"
            order = await store.open_order(
                BUYER, "stars", price, currency="XTR", provider_amount=500, ttl=timedelta(minutes=30), item_id=item_id,
                purchase_key=key,
            )
            assert isinstance(order, PaymentRecord)
            event = PaymentEvent(
                method="stars", order_id=order.id, external_id=f"charge-{round_}", currency="XTR", provider_amount=500
            )

            async def confirm(key: str = key) -> PurchaseResult | None:
                try:
                    [result] = await store.buy([PurchaseRequest(key=key, user_id=BUYER, item_id=item_id, expected_total=price)])
                except StorageError:  # lost the purchase key's race on PostgreSQL: nothing charged
                    return None
                return result

            async def settle(event: PaymentEvent = event) -> Settled | object:
                return await store.settle_payment(event)

            bought, settled = await all_at_once([confirm, settle])
            assert isinstance(settled, Settled)
            if isinstance(settled.purchase, AlreadyBought):
                assert isinstance(bought, Delivered) and not bought.repeated
                assert settled.purchase.purchase_id == bought.purchase_id
            else:
                assert isinstance(settled.purchase, Delivered) and not settled.purchase.repeated
                assert bought is None or (isinstance(bought, Delivered) and bought.repeated)
        assert (await store.purchase_history(BUYER, 1, 50)).total == 10
        # Every payment was credited and every order bought once: the balance is where it began.
        assert (await store.get_user(BUYER)).balance == Decimal("200.00")
        assert await store.check_ledger() == []
