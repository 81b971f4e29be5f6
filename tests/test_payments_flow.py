"""Paying through Telegram, as the buyer sees it: top-ups with Stars and cards, direct Stars purchases,
repeated payment updates, and pre-checkout refusals."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from storage import PurchaseRequest
from tests.support.chat import labels, open_card, press_when_shown, reply_to
from tests.support.payments import choose_top_up, credited, invoices, top_up
from tests.support.shop import RunningShop, open_shop
from tests.support.store import seed_item


async def balance(shop: RunningShop, user_id: int) -> Decimal:
    user = await shop.store.get_user(user_id)
    assert user is not None
    return user.balance


async def test_stars_top_up_then_buy_with_the_balance(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        await seed_item(shop.store, units=["KEY-1"])
        ann = shop.emu.user(1001, "Ann")
        paid = await top_up(ann)
        invoice = invoices(ann)[-1]["invoice"]
        assert (invoice["currency"], invoice["total_amount"]) == ("XTR", 500)
        assert paid.status == "paid" and ann.stars == 10_000 - 500
        note = await ann.wait_for_text("Payment received")
        assert note["text"] == "✅ Payment received: 10.00 USD added to your balance.\nBalance: 10.00 USD"
        payment = await shop.store.find_payment(paid.charge_id or "")
        assert payment is not None and payment.id == paid.invoice_payload and payment.status == "paid"
        assert await balance(shop, 1001) == Decimal("10.00")
        await open_card(ann, "Games (1)", "Space <Game> & Co · 10.00 USD")
        await ann.press("Buy")
        await press_when_shown(ann, "✅ Confirm")
        await ann.wait_for_text("KEY-1")
        assert await balance(shop, 1001) == Decimal("0.00")
        assert await shop.store.check_ledger() == []


async def test_typed_amounts_are_checked(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        ann = shop.emu.user(1001, "Ann")
        await ann.send_text("/start")
        await press_when_shown(ann, "👤 Profile")
        await press_when_shown(ann, "💳 Top up")
        await ann.wait_for_text("from 1.00 USD to 1,000.00 USD")
        for typed in ("abc", "1.234", "-5", "NaN", "1e3"):
            answer = await reply_to(ann, typed)
            assert answer["text"].startswith("That is not an amount"), typed
        for typed in ("0", "0.50", "5000"):
            answer = await reply_to(ann, typed)
            assert answer["text"] == "A top-up must be from 1.00 USD to 1,000.00 USD. Type another amount.", typed
        methods = await reply_to(ann, "12,50")
        assert "Top up 12.50 USD" in methods["text"]
        assert labels(methods) == ["⭐ Telegram Stars (625 ⭐)", "‹ Back"]
        assert invoices(ann) == []


async def test_card_payments_when_a_provider_is_configured(database_url: str) -> None:
    async with open_shop(database_url, payments={"provider_token": "284685063:TEST:shop"}) as shop:
        ann = shop.emu.user(1001, "Ann")
        paid = await top_up(ann, "💳 Card (10.00 USD)")
        invoice = invoices(ann)[-1]["invoice"]
        assert (invoice["currency"], invoice["total_amount"]) == ("USD", 1000)
        assert paid.status == "paid" and ann.stars == 10_000
        await ann.wait_for_text("Payment received: 10.00 USD")
        assert await balance(shop, 1001) == Decimal("10.00")
        assert await shop.store.check_ledger() == []


async def test_a_payment_delivered_three_times_is_credited_once(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        ann = shop.emu.user(1001, "Ann")
        await top_up(ann)
        await ann.wait_for_text("Payment received")
        ann.repeat_last_payment()
        ann.repeat_last_payment()
        # A chat's updates are handled in order: once /help is answered, so are the repeats.
        await reply_to(ann, "/help")
        assert credited(ann) == 1
        assert await balance(shop, 1001) == Decimal("10.00")
        ledger = await shop.store.ledger_page(1001, 1, 10)
        assert ledger.total == 1


async def test_an_item_bought_directly_with_stars_is_delivered(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        await seed_item(shop.store, units=["KEY-1", "KEY-2", "KEY-3"])
        await shop.store.create_promo("HALF", kind="percent", value=Decimal("50"))
        ann = shop.emu.user(1001, "Ann")
        await open_card(ann, "Games (1)", "Space <Game> & Co · 10.00 USD")
        await ann.press("Buy")
        await press_when_shown(ann, "2")
        confirm = await ann.wait_for_text("Quantity: 2")
        # The balance is short, so a top-up is offered too.
        assert labels(confirm) == ["✅ Confirm", "⭐ Pay with Stars: 1000", "💳 Top up", "🎟 Promo code", "Cancel"]
        await ann.press("🎟 Promo code")
        await ann.wait_for_text("promo code")
        await ann.send_text("half")
        await press_when_shown(ann, "⭐ Pay with Stars: 500")
        await ann.wait_for(lambda m: bool(invoices(ann)))
        invoice = invoices(ann)[-1]["invoice"]
        assert (invoice["title"], invoice["currency"], invoice["total_amount"]) == ("Space <Game> & Co", "XTR", 500)
        paid = await ann.pay()
        assert paid.status == "paid"
        await ann.wait_for_text("Payment received (10.00 USD). Here is your order:")
        delivery = await ann.wait_for_text("KEY-2")
        assert "KEY-1" in delivery["text"]
        assert await balance(shop, 1001) == Decimal("0.00")
        ledger = await shop.store.ledger_page(1001, 1, 10)
        assert [(row.kind, row.amount) for row in ledger.rows] == [("purchase", Decimal("-10.00")), ("topup", Decimal("10.00"))]
        payment = await shop.store.find_payment(paid.charge_id or "")
        assert payment is not None and payment.purchase_id is not None
        assert await shop.store.check_ledger() == []


async def test_pre_checkout_refuses_an_expired_order(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        ann = shop.emu.user(1001, "Ann")
        before = len(invoices(ann))
        await choose_top_up(ann)
        await ann.wait_for(lambda _: len(invoices(ann)) > before)
        await shop.store.expire_orders(now=datetime.now(UTC) + timedelta(hours=2))
        outcome = await ann.pay()
        assert (outcome.status, outcome.error_message) == (
            "refused", "This invoice has expired. Please start a new one; you were not charged."
        )
        assert ann.stars == 10_000 and await balance(shop, 1001) == Decimal("0.00")


async def test_pre_checkout_refuses_a_user_blocked_since_the_invoice(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        ann = shop.emu.user(1001, "Ann")
        before = len(invoices(ann))
        await choose_top_up(ann)
        await ann.wait_for(lambda _: len(invoices(ann)) > before)
        await shop.store.set_blocked(1001, True, actor_id=None)
        outcome = await ann.pay()
        assert (outcome.status, outcome.error_message) == (
            "refused", "Your account cannot make payments in this shop. Write /paysupport if you think this is a mistake."
        )
        assert ann.stars == 10_000 and await balance(shop, 1001) == Decimal("0.00")


async def test_pre_checkout_refuses_an_item_sold_out_since_the_invoice(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        await seed_item(shop.store, units=["LAST"])
        ann, bob = shop.emu.user(1001, "Ann"), shop.emu.user(1002, "Bob")
        await bob.send_text("/start")
        await bob.wait_for_text("Welcome")
        await open_card(ann, "Games (1)", "Space <Game> & Co · 10.00 USD")
        await ann.press("Buy")
        await press_when_shown(ann, "⭐ Pay with Stars: 500")
        await ann.wait_for(lambda m: bool(invoices(ann)))
        await shop.store.credit_user(1002, Decimal("10.00"))
        await shop.store.buy([PurchaseRequest(key="bob", user_id=1002, item_id=1)])
        outcome = await ann.pay()
        assert (outcome.status, outcome.error_message) == (
            "refused", "Sorry, this item sold out meanwhile. You were not charged."
        )
        assert ann.stars == 10_000 and await balance(shop, 1001) == Decimal("0.00")


async def test_an_invoice_the_shop_never_made_is_refused_and_a_stray_payment_credits_nothing(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        ann = shop.emu.user(1001, "Ann")
        await ann.send_text("/start")
        await ann.wait_for_text("Welcome")
        bot = shop.emu.bot()
        async with httpx.AsyncClient(transport=shop.emu.transport(), base_url="http://emulator") as client:
            sent = await client.post(f"/bot{bot.token}/sendInvoice", json={
                "chat_id": 1001, "title": "Forged", "description": "Not an order", "payload": "not-an-order",
                "currency": "XTR", "prices": [{"label": "x", "amount": 5}], "provider_token": "",
            })
            assert sent.json()["ok"]
        outcome = await ann.pay()
        assert (outcome.status, outcome.error_message) == (
            "refused", "This invoice is not known to the shop. Please start again from the shop."
        )
        # Telegram never sends a payment the shop refused; one that matches no order anyway (a
        # provider's mistake) credits nothing, tells the buyer where to turn, and is audited.
        chat = shop.emu.chat(bot, 1001)
        message = chat.add(ann.as_user(), shop.emu.unix_now(), {"successful_payment": {
            "currency": "XTR", "total_amount": 5, "invoice_payload": "not-an-order",
            "telegram_payment_charge_id": "stray-charge", "provider_payment_charge_id": "",
        }})
        bot.queue.push("message", dict(message))
        await ann.wait_for_text("write /paysupport and quote stray-charge")
        assert await balance(shop, 1001) == Decimal("0.00")
        events = await shop.store.audit_page(1, 10, security_only=True)
        assert [e.action for e in events.rows] == ["payment.rejected"]


async def test_an_amount_typed_as_the_shop_writes_it_is_read(sqlite_url: str) -> None:
    """Russian amounts are shown grouped with a no-break space ("1 000,00 USD"): typed back (copied
    from a message, say), they are read as the amount."""
    async with open_shop(sqlite_url) as shop:
        ann = shop.emu.user(1001, "Ann")
        await ann.send_text("/start")
        await press_when_shown(ann, "👤 Profile")
        await press_when_shown(ann, "💳 Top up")
        await ann.wait_for_text("from 1.00 USD to 1,000.00 USD")
        methods = await reply_to(ann, "1\u00a0000,00")
        assert "Top up 1,000.00 USD" in methods["text"]
