"""The reconciler compares Telegram's record of Stars payments (getStarTransactions) with the shop's: a
payment whose successful_payment update never reached the shop is credited once and its buyer told;
later rounds read on from where the last stopped and change nothing; Telegram out of reach costs a
round, no more."""

from decimal import Decimal

import pytest

from telegram.emulator import EmulatedUser, Fault
from tests.support.chat import open_card, press_when_shown, reply_to
from tests.support.payments import choose_top_up, credited, invoices
from tests.support.shop import RunningShop, open_shop
from tests.support.store import seed_item
from tests.support.waiting import eventually

FAST_ROUNDS = {"cryptopay_poll_interval": 0.1}


def star_reads(shop: RunningShop) -> list[dict]:
    """The parameters of every getStarTransactions call so far."""
    return [params for _, method, params in shop.emu.calls if method == "getStarTransactions"]


async def pay_with_the_update_lost(ann: EmulatedUser) -> None:
    before = len(invoices(ann))
    await choose_top_up(ann)
    await ann.wait_for(lambda _: len(invoices(ann)) > before)
    outcome = await ann.pay(deliver=False)
    assert outcome.status == "paid" and outcome.update_id is None


async def test_a_payment_whose_update_never_arrived_is_credited_once_by_the_reconciler(database_url: str) -> None:
    async with open_shop(database_url, payments=FAST_ROUNDS) as shop:
        ann = shop.emu.user(1001, "Ann")
        await pay_with_the_update_lost(ann)
        assert ann.stars == 10_000 - 500
        await ann.wait_for_text("Payment received: 10.00 USD", timeout=10)
        user = await shop.store.get_user(1001)
        assert user is not None and user.balance == Decimal("10.00")
        # Two more rounds: nothing changes, and they read on from the one transaction already seen.
        reads = len(star_reads(shop))
        await eventually(lambda: len(star_reads(shop)) >= reads + 2, 10, "two more rounds")
        assert all(int(params.get("offset", 0)) == 1 for params in star_reads(shop)[reads:])
        await reply_to(ann, "/help")
        assert credited(ann) == 1
        ledger = await shop.store.ledger_page(1001, 1, 10)
        assert [(row.kind, row.amount) for row in ledger.rows] == [("topup", Decimal("10.00"))]
        assert await shop.store.check_ledger() == []
        # The update arriving after all (a late redelivery) changes nothing either.
        ann.repeat_last_payment()
        await reply_to(ann, "/help")
        assert credited(ann) == 1


async def test_telegram_out_of_reach_costs_a_round_and_a_direct_purchase_is_delivered_once(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, payments=FAST_ROUNDS, max_retries=0) as shop:
        await seed_item(shop.store, units=["KEY-1"])
        ann = shop.emu.user(1001, "Ann")
        await open_card(ann, "Games (1)", "Space <Game> & Co · 10.00 USD")
        await ann.press("Buy")
        await press_when_shown(ann, "⭐ Pay with Stars: 500")
        await ann.wait_for(lambda m: bool(invoices(ann)))
        shop.emu.faults.inject(Fault(method="getStarTransactions", kind="server_error", times=3))
        outcome = await ann.pay(deliver=False)
        assert outcome.status == "paid"
        await ann.wait_for_text("KEY-1", timeout=10)
        assert not shop.emu.faults.pending  # every failed round came first
        reads = len(star_reads(shop))
        await eventually(lambda: len(star_reads(shop)) >= reads + 2, 10, "two more rounds")
        await reply_to(ann, "/help")
        assert sum("KEY-1" in (m.get("text") or "") for m in ann.bot_messages()) == 1
        assert (await shop.store.profile(1001)).purchases == 1
        assert await shop.store.check_ledger() == []


@pytest.mark.postgres
async def test_a_stars_transaction_the_store_keeps_refusing_holds_up_nobody(postgres_url: str) -> None:
    """A transaction the database cannot take (here a charge id longer than the column, which
    PostgreSQL refuses) stops the Stars part of a few rounds, then is passed over and reported as a
    security event; the payments after it are credited, and the other parts of every round run."""
    async with open_shop(postgres_url, payments=FAST_ROUNDS) as shop:
        ann, bob = shop.emu.user(1001, "Ann"), shop.emu.user(1002, "Bob")
        await choose_top_up(ann)
        await ann.wait_for(lambda _: len(invoices(ann)) == 1)
        [order] = await shop.store.recent_payments(1001, 1)
        # Telegram lists a payment of Ann's order under a charge id the shop cannot store.
        shop.emu.payments.star_transactions.setdefault(shop.emu.bot().id, []).append({
            "id": "x" * 200, "amount": order.provider_amount, "date": 0,
            "source": {"type": "user", "transaction_type": "invoice_payment", "user": ann.as_user(),
                       "invoice_payload": order.id},
        })
        await pay_with_the_update_lost(bob)
        await bob.wait_for_text("Payment received: 10.00 USD", timeout=20)
        events = await shop.store.audit_page(1, 20, security_only=True)
        assert [e.action for e in events.rows].count("payment.reconcile_failed") == 1
        user = await shop.store.get_user(1001)
        assert user is not None and user.balance == Decimal("0.00")
        assert await shop.store.check_ledger() == []
