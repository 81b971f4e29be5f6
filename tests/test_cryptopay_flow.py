"""CryptoPay top-ups through the twin: the Pay link and Check payment, signed webhooks (once, however
often they come), forged ones refused, and the reconciler crediting what nobody reported. CryptoPay
is asked no more than needed: an invoice held is shown again, a buyer's unpaid invoices are capped,
and Check payment asks at most once in a few seconds."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import msgspec
import trio

from telegram.cryptopay import CryptoInvoice, sign
from telegram.cryptopay.twin import CryptoPayTwin
from telegram.emulator import EmulatedUser
from tests.support.chat import labels, last_answer, reply_to
from tests.support.payments import choose_top_up, credited
from tests.support.shop import RunningShop, open_shop
from tests.support.waiting import eventually, until_idle, until_reconciler_rounds

CRYPTO_10 = "🪙 Crypto via CryptoPay (10.00 USD)"
# The reconciler's poll, slow enough that the tests of other paths see none of its credits.
QUIET = {"cryptopay_poll_interval": 3600}
TOO_MANY = "You have too many unpaid crypto invoices. Pay one of them, or try again once they expire."


async def balance(shop: RunningShop, user_id: int) -> Decimal:
    user = await shop.store.get_user(user_id)
    assert user is not None
    return user.balance


async def crypto_invoice(twin: CryptoPayTwin, user: EmulatedUser) -> CryptoInvoice:
    """Choose CryptoPay for 10.00; the twin's invoice, once the buyer has its link."""
    count = len(twin.invoices)
    await choose_top_up(user, CRYPTO_10)
    await user.wait_for_text("with crypto")
    await eventually(lambda: len(twin.invoices) > count, what="the CryptoPay invoice")
    return list(twin.invoices.values())[-1]


def webhook_url(shop: RunningShop) -> str:
    return f"{shop.running.web_binds[0]}/cryptopay/webhook"


async def test_pay_link_check_payment_and_the_credit(database_url: str) -> None:
    twin = CryptoPayTwin("4321:TWIN")
    # Every press of Check payment asks CryptoPay here (the pace of asking has its own test).
    async with open_shop(database_url, cryptopay=twin, payments={**QUIET, "cryptopay_check_interval": 0}) as shop:
        ann = shop.emu.user(1001, "Ann")
        invoice = await crypto_invoice(twin, ann)
        assert (invoice.amount, invoice.fiat, invoice.currency_type) == (Decimal("10.00"), "USD", "fiat")
        screen = await ann.wait_for_text("with crypto")
        assert labels(screen) == ["🪙 Pay", "🔄 Check payment", "‹ Back"]
        assert screen["reply_markup"]["inline_keyboard"][0][0]["url"] == invoice.bot_invoice_url
        answers = len(ann.callback_answers)
        await ann.press("🔄 Check payment")
        assert (await last_answer(ann, answers))["text"] == "No payment yet. Pay the invoice in Crypto Bot, then check again."
        assert await balance(shop, 1001) == Decimal("0.00")
        twin.mark_paid(invoice.invoice_id)
        answers = len(ann.callback_answers)
        await ann.press("🔄 Check payment")
        await ann.wait_for_text("Payment received: 10.00 USD")
        await last_answer(ann, answers)  # the press is answered after the buyer is told
        answers = len(ann.callback_answers)
        await ann.press("🔄 Check payment")
        assert (await last_answer(ann, answers))["text"] == "This payment has already been credited."
        assert await balance(shop, 1001) == Decimal("10.00") and credited(ann) == 1
        assert await shop.store.check_ledger() == []


async def test_a_webhook_sent_five_times_credits_once(database_url: str) -> None:
    twin = CryptoPayTwin("4321:TWIN")
    async with open_shop(database_url, cryptopay=twin, payments=QUIET) as shop:
        ann = shop.emu.user(1001, "Ann")
        invoice = await crypto_invoice(twin, ann)
        twin.mark_paid(invoice.invoice_id)
        statuses = [await twin.send_webhook(invoice.invoice_id, url=webhook_url(shop)) for _ in range(5)]
        assert statuses == [200] * 5
        await ann.wait_for_text("Payment received: 10.00 USD")
        await reply_to(ann, "/help")
        assert credited(ann) == 1 and await balance(shop, 1001) == Decimal("10.00")
        assert (await shop.store.ledger_page(1001, 1, 10)).total == 1


async def test_webhook_check_and_poll_at_once_credit_once(database_url: str) -> None:
    twin = CryptoPayTwin("4321:TWIN")
    async with open_shop(database_url, cryptopay=twin, payments={"cryptopay_poll_interval": 0.05}) as shop:
        ann = shop.emu.user(1001, "Ann")
        invoice = await crypto_invoice(twin, ann)
        twin.mark_paid(invoice.invoice_id)
        async with trio.open_nursery() as race:
            for _ in range(3):
                race.start_soon(lambda: twin.send_webhook(invoice.invoice_id, url=webhook_url(shop)))
            race.start_soon(ann.press, "🔄 Check payment")
        await ann.wait_for_text("Payment received: 10.00 USD")
        # Nothing more comes: the press is handled, and the reconciler's round under way and a whole one after it are over.
        await until_idle(shop)
        await until_reconciler_rounds(2)
        assert credited(ann) == 1 and await balance(shop, 1001) == Decimal("10.00")
        assert await shop.store.check_ledger() == []


async def test_a_forged_or_unsigned_webhook_is_refused_and_credits_nothing(database_url: str) -> None:
    twin = CryptoPayTwin("4321:TWIN")
    async with open_shop(database_url, cryptopay=twin, payments=QUIET) as shop:
        ann = shop.emu.user(1001, "Ann")
        invoice = await crypto_invoice(twin, ann)
        twin.mark_paid(invoice.invoice_id)
        assert await twin.send_webhook(invoice.invoice_id, url=webhook_url(shop), signature="bad") == 401
        assert await twin.send_webhook(invoice.invoice_id, url=webhook_url(shop), signature=None) == 401
        # A body signed right, then changed, is not the body that was signed.
        body = twin.webhooks[-1].body
        async with httpx.AsyncClient() as client:
            tampered = await client.post(
                webhook_url(shop), content=body.replace(b"10", b"99"), headers={"crypto-pay-api-signature": sign(twin.token, body)}
            )
        assert tampered.status_code == 401
        assert await balance(shop, 1001) == Decimal("0.00") and credited(ann) == 0
        # Three from one address within a minute: one security event, counting three.
        events = await shop.store.audit_page(1, 10, security_only=True)
        assert [(e.action, e.target, e.count) for e in events.rows] == [("payment.webhook_bad_signature", "127.0.0.1", 3)]


async def test_the_reconciler_credits_a_payment_nobody_reported_and_a_late_one(database_url: str) -> None:
    twin = CryptoPayTwin("4321:TWIN")
    async with open_shop(database_url, cryptopay=twin, payments={"cryptopay_poll_interval": 0.1}) as shop:
        ann = shop.emu.user(1001, "Ann")
        first = await crypto_invoice(twin, ann)
        twin.mark_paid(first.invoice_id)
        await ann.wait_for_text("Payment received: 10.00 USD", timeout=10)
        # The order expires at the shop before its payment arrives: it is credited all the same.
        late = await crypto_invoice(twin, ann)
        await shop.store.expire_orders(now=datetime.now(UTC) + timedelta(hours=2))
        twin.mark_paid(late.invoice_id)
        note = await ann.wait_for_text("arrived after its invoice had expired", timeout=10)
        assert "Balance: 20.00 USD" in note["text"]
        assert await balance(shop, 1001) == Decimal("20.00")
        assert await shop.store.check_ledger() == []


async def test_an_oversized_body_is_refused_unprocessed_on_every_route(database_url: str) -> None:
    """A paid invoice's update, padded past the webhook's limit and signed right (CryptoPay never
    sends one; a flood could): 413, declared or sent in chunks, and nothing is credited. Another
    route refuses a large body too. The same update at its real size is credited."""
    twin = CryptoPayTwin("4321:TWIN")
    async with open_shop(database_url, cryptopay=twin, payments=QUIET) as shop:
        ann = shop.emu.user(1001, "Ann")
        invoice = await crypto_invoice(twin, ann)
        paid = twin.invoice_json(twin.mark_paid(invoice.invoice_id).invoice_id)
        body = msgspec.json.encode({
            "update_id": 1, "update_type": "invoice_paid", "request_date": paid["paid_at"], "payload": paid,
            "padding": "x" * 40_000,
        })
        headers = {"crypto-pay-api-signature": sign(twin.token, body), "content-type": "application/json"}

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(body), 4096):
                yield body[start:start + 4096]

        async with httpx.AsyncClient() as client:
            declared = await client.post(webhook_url(shop), content=body, headers=headers)
            chunked = await client.post(webhook_url(shop), content=chunks(), headers=headers)
            health = await client.request("GET", f"{shop.running.web_binds[0]}/health", content=b"x" * 100_000)
        assert [r.status_code for r in (declared, chunked, health)] == [413, 413, 413]
        assert await balance(shop, 1001) == Decimal("0.00") and credited(ann) == 0

        assert await twin.send_webhook(invoice.invoice_id, url=webhook_url(shop)) == 200
        await ann.wait_for_text("Payment received: 10.00 USD")
        assert await balance(shop, 1001) == Decimal("10.00")


async def crypto_screen(user: EmulatedUser, amount: str = "10.00 USD") -> dict:
    """Choose CryptoPay for `amount`: the screen with the Pay link (a message drawn or redrawn now)."""
    shown = {m["message_id"]: m.get("text") for m in user.bot_messages()}
    await choose_top_up(user, f"🪙 Crypto via CryptoPay ({amount})", amount)
    return await user.wait_for(
        lambda m: f"Top up {amount} with crypto" in (m.get("text") or "") and shown.get(m["message_id"]) != m.get("text")
    )


def pay_link(screen: dict) -> str:
    return screen["reply_markup"]["inline_keyboard"][0][0]["url"]


async def test_choosing_crypto_again_shows_the_invoice_held(database_url: str) -> None:
    twin = CryptoPayTwin("4321:TWIN")
    async with open_shop(database_url, cryptopay=twin, payments=QUIET) as shop:
        ann, bob = shop.emu.user(1001, "Ann"), shop.emu.user(1002, "Bob")
        first = await crypto_screen(ann)
        again = await crypto_screen(ann)
        assert pay_link(again) == pay_link(first) and twin.calls_of("createInvoice") == 1
        assert len(await shop.store.recent_payments(1001)) == 1
        # Another amount, or another buyer, is another invoice.
        other = await crypto_screen(ann, "25.00 USD")
        bobs = await crypto_screen(bob)
        assert len({pay_link(first), pay_link(other), pay_link(bobs)}) == 3 and twin.calls_of("createInvoice") == 3
        # Once paid, the same amount again is a new invoice.
        twin.mark_paid(list(twin.invoices)[0])
        await ann.press("🔄 Check payment", first["message_id"])
        await ann.wait_for_text("Payment received: 10.00 USD")
        assert pay_link(await crypto_screen(ann)) != pay_link(first) and twin.calls_of("createInvoice") == 4


async def test_a_buyer_holding_too_many_unpaid_invoices_gets_no_new_one(database_url: str) -> None:
    twin = CryptoPayTwin("4321:TWIN")
    async with open_shop(database_url, cryptopay=twin, payments={**QUIET, "cryptopay_open_invoices": 2}) as shop:
        ann = shop.emu.user(1001, "Ann")
        ten = await crypto_screen(ann, "10.00 USD")
        await crypto_screen(ann, "25.00 USD")
        answers = len(ann.callback_answers)
        await choose_top_up(ann, "🪙 Crypto via CryptoPay (50.00 USD)", "50.00 USD")
        refusal = await eventually_answer(ann, TOO_MANY, answers)
        assert refusal["show_alert"] and twin.calls_of("createInvoice") == 2
        # The ones held are still shown again.
        assert pay_link(await crypto_screen(ann, "10.00 USD")) == pay_link(ten)
        # One paid: room for a new one.
        twin.mark_paid(list(twin.invoices)[0])
        await ann.press("🔄 Check payment", ten["message_id"])
        await ann.wait_for_text("Payment received: 10.00 USD")
        await crypto_screen(ann, "50.00 USD")
        assert twin.calls_of("createInvoice") == 3


async def eventually_answer(user: EmulatedUser, text: str, after: int) -> dict:
    """The first answer to a press, after the first `after`, that reads `text`."""
    await eventually(lambda: any(a.get("text") == text for a in user.callback_answers[after:]), what=repr(text))
    return next(a for a in user.callback_answers[after:] if a.get("text") == text)


async def test_check_payment_pressed_ten_times_asks_cryptopay_once(database_url: str) -> None:
    twin = CryptoPayTwin("4321:TWIN")
    async with open_shop(database_url, cryptopay=twin, payments={**QUIET, "cryptopay_check_interval": 60}) as shop:
        ann, bob = shop.emu.user(1001, "Ann"), shop.emu.user(1002, "Bob")
        screen = await crypto_screen(ann)
        asked = twin.calls_of("getInvoices")
        answers = []
        for _ in range(10):
            before = len(ann.callback_answers)
            await ann.press("🔄 Check payment", screen["message_id"])
            answers.append((await last_answer(ann, before))["text"])
        assert answers == ["No payment yet. Pay the invoice in Crypto Bot, then check again."] + [
            "Checked just now. Please wait a few seconds, then check again."
        ] * 9
        assert twin.calls_of("getInvoices") == asked + 1
        # The pace is per buyer: Bob's first check asks.
        bobs = await crypto_screen(bob)
        before = len(bob.callback_answers)
        await bob.press("🔄 Check payment", bobs["message_id"])
        assert (await last_answer(bob, before))["text"].startswith("No payment yet")
        assert twin.calls_of("getInvoices") == asked + 2
        # Paid meanwhile: the webhook or the reconciler credits it; nothing is lost by the wait.
        assert await balance(shop, 1001) == Decimal("0.00")
