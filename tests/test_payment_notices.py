"""Telling a payer once: a payment settled just before a crash is finished by whoever settles it again
(a replayed successful_payment, or the reconciler), which delivers a direct purchase's goods once and
sends one "paid" message; a message Telegram could not take is sent again later."""

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from storage import Delivered, PaymentEvent, Settled, StorageSettings, Store, open_store
from telegram.emulator import EmulatedUser, Fault, PaymentOutcome
from tests.support.orders import BUYER, OTHER, all_at_once, paid_stars_top_up, register
from tests.support.chat import open_card, press_when_shown, reply_to
from tests.support.payments import choose_top_up, credited, invoices
from tests.support.shop import RunningShop, open_shop
from tests.support.store import seed_item
from tests.support.waiting import eventually

PAID_ITEM = "Payment received (10.00 USD). Here is your order:"
# The reconciler's first round runs at start; with this interval there is no other during a test.
ONE_ROUND = {"cryptopay_poll_interval": 3600}
FAST_ROUNDS = {"cryptopay_poll_interval": 0.1}


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    """A fresh shop with two registered buyers; the books must balance at the end."""
    async with open_store(StorageSettings(database_url=database_url)) as opened:
        for user_id in (BUYER, OTHER):
            await register(opened, user_id)
        yield opened
        assert await opened.check_ledger() == []


def count(user: EmulatedUser, text: str) -> int:
    return sum(text in (m.get("text") or "") for m in user.bot_messages())


async def pay_for_the_key(shop: RunningShop, ann: EmulatedUser) -> PaymentOutcome:
    """Ann buys the one KEY-1 directly with Stars; Telegram takes the money, and its successful_payment
    update is lost on the way."""
    await seed_item(shop.store, units=["KEY-1"])
    await open_card(ann, "Games (1)", "Space <Game> & Co · 10.00 USD")
    await ann.press("Buy")
    await press_when_shown(ann, "⭐ Pay with Stars: 500")
    await ann.wait_for(lambda m: bool(invoices(ann)))
    outcome = await ann.pay(deliver=False)
    assert outcome.status == "paid" and outcome.charge_id is not None
    return outcome


async def settle_then_crash(store: Store, outcome: PaymentOutcome) -> None:
    """What a shop that crashed right after the settle transaction leaves: the payment credited and
    the item bought, its buyer never told."""
    assert outcome.charge_id is not None
    event = PaymentEvent(
        method="stars", order_id=outcome.invoice_payload, external_id=outcome.charge_id, currency="XTR",
        provider_amount=outcome.total_amount,
    )
    result = await store.settle_payment(event)
    assert isinstance(result, Settled) and isinstance(result.purchase, Delivered)


async def assert_told_once(shop: RunningShop, ann: EmulatedUser) -> None:
    await reply_to(ann, "/help")  # a chat's updates are handled in order: any repeat before it is done
    assert count(ann, "KEY-1") == 1 and count(ann, PAID_ITEM) == 1
    assert (await shop.store.profile(1001)).purchases == 1
    assert await shop.store.check_ledger() == []


async def test_a_replayed_payment_settled_before_a_crash_delivers_the_goods_once(database_url: str) -> None:
    async with open_shop(database_url, payments=ONE_ROUND) as shop:
        ann = shop.emu.user(1001, "Ann")
        outcome = await pay_for_the_key(shop, ann)
        await settle_then_crash(shop.store, outcome)
        ann.repeat_last_payment()  # Telegram delivers the update again (or the inbox replays it)
        await ann.wait_for_text("KEY-1")
        ann.repeat_last_payment()
        await assert_told_once(shop, ann)
        assert [(row.kind, row.amount) for row in (await shop.store.ledger_page(1001, 1, 10)).rows] == [
            ("purchase", Decimal("-10.00")), ("topup", Decimal("10.00"))
        ]


async def test_the_reconciler_finishes_a_payment_settled_before_a_crash(database_url: str) -> None:
    async with open_shop(database_url, payments=FAST_ROUNDS, max_retries=0) as shop:
        # Telegram's transaction list is out of reach: only the shop's own record can tell the buyer.
        shop.emu.faults.inject(Fault(method="getStarTransactions", kind="server_error", times=10_000))
        ann = shop.emu.user(1001, "Ann")
        outcome = await pay_for_the_key(shop, ann)
        await settle_then_crash(shop.store, outcome)
        await ann.wait_for_text("KEY-1", timeout=10)
        await assert_told_once(shop, ann)


async def test_two_tellers_at_once_tell_once(store: Store) -> None:
    payment = await paid_stars_top_up(store)
    claims = await all_at_once([lambda: store.claim_notice(payment.id)] * 10)
    assert claims.count(True) == 1, claims
    # Telling failed: the claim is given up, and the next teller gets it.
    await store.release_notice(payment.id)
    assert await store.claim_notice(payment.id)
    assert not await store.claim_notice(payment.id)
    await store.notice_sent(payment.id)
    await store.release_notice(payment.id)
    assert not await store.claim_notice(payment.id)
    notice = await store.payment_notice(payment.id)
    assert notice is not None and notice.repeated and notice.balance == Decimal("5.00")


async def test_a_paid_message_telegram_could_not_take_is_sent_again(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, payments=FAST_ROUNDS, max_retries=0) as shop:
        ann = shop.emu.user(1001, "Ann")
        await choose_top_up(ann)
        await ann.wait_for(lambda m: bool(invoices(ann)))
        # The next message is the "paid" one; Telegram fails it once.
        shop.emu.faults.inject(Fault(method="sendMessage", kind="server_error", times=1))
        assert (await ann.pay()).status == "paid"
        await eventually(lambda: not shop.emu.faults.pending, what="the paid message failed")
        await ann.wait_for_text("Payment received", timeout=10)
        await reply_to(ann, "/help")
        assert credited(ann) == 1
