"""CryptoPay top-ups through the twin: the Pay link and Check payment, signed webhooks (once, however
often they come), forged ones refused, and the reconciler crediting what nobody reported."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import trio

from buying import labels, reply_to
from conftest import RunningShop, open_shop
from helpers import eventually, last_answer
from paying import choose_top_up, credited
from telegram.cryptopay import CryptoInvoice, CryptoPayTwin, sign
from telegram.emulator import EmulatedUser

CRYPTO_10 = "🪙 Crypto via CryptoPay (10.00 USD)"
# The reconciler's poll, slow enough that the tests of other paths see none of its credits.
QUIET = {"cryptopay_poll_interval": 3600}


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
    async with open_shop(database_url, cryptopay=twin, payments=QUIET) as shop:
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
        await trio.sleep(0.3)  # a few more reconciler rounds see the paid invoice too
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
        events = await shop.store.audit_page(1, 10, security_only=True)
        assert [e.action for e in events.rows] == ["payment.webhook_bad_signature"] * 3


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
