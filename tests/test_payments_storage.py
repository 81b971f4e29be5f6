"""Payments at the storage level, on SQLite and PostgreSQL: orders, settlement exactly once, direct
purchases, pre-checkout checks, expiry and refunds. Every test ends with the books balanced: each
balance equals the sum of its ledger entries and none is below zero."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from storage import (
    Delivered,
    InsufficientFunds,
    PaymentEvent,
    PaymentRecord,
    PaymentRejected,
    PriceChanged,
    ReferralTerms,
    RefundRefused,
    RefundStarted,
    Settled,
    SoldOut,
    StorageSettings,
    Store,
    UnknownUser,
    open_store,
)
from tests.support.orders import (
    BUYER,
    OTHER,
    REFERRER,
    STARS,
    TOP_UP,
    TTL,
    all_at_once,
    balance,
    buy,
    cryptopay_order,
    direct_order,
    ledger,
    paid,
    paid_stars_top_up,
    register,
    settled,
    stars_order,
    unique_item,
)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    """A fresh shop with two registered buyers and no money anywhere; the books must balance at the end."""
    async with open_store(StorageSettings(database_url=database_url)) as opened:
        for user_id in (BUYER, OTHER):
            await register(opened, user_id)
        yield opened
        assert await opened.check_ledger() == []


# --- top-ups: settled exactly once ---------------------------------------------------------------


async def test_an_order_opens_pending_and_only_its_buyer_sees_it(store: Store) -> None:
    order = await stars_order(store)
    assert (order.status, order.method, order.amount, order.currency, order.provider_amount) == (
        "pending", "stars", TOP_UP, "XTR", STARS
    )
    assert order.expires_at > datetime.now(UTC) and order.external_id is None and order.paid_at is None
    assert await store.get_payment(order.id) == order
    assert await store.get_payment(order.id, user_id=BUYER) == order
    assert await store.get_payment(order.id, user_id=OTHER) is None
    assert await store.get_payment("not-an-order") is None
    assert await balance(store) == Decimal("0.00")


async def test_an_order_for_someone_who_never_started_the_bot_is_refused(store: Store) -> None:
    with pytest.raises(UnknownUser):
        await stars_order(store, user_id=9999)


async def test_a_paid_stars_top_up_credits_the_balance_with_a_topup_entry(store: Store) -> None:
    order = await stars_order(store)
    result = await settled(store, paid(order, "charge-1"))
    assert not result.repeated and not result.late and result.purchase is None
    assert result.balance == result.user.balance == TOP_UP
    assert (result.payment.id, result.payment.status, result.payment.external_id) == (order.id, "paid", "charge-1")
    assert result.payment.paid_at is not None
    assert await ledger(store) == [("topup", TOP_UP)]
    assert await store.find_payment("charge-1") == result.payment


async def test_a_payment_reported_three_times_is_credited_once(store: Store) -> None:
    order = await stars_order(store)
    first, second, third = [await settled(store, paid(order, "charge-1")) for _ in range(3)]
    assert not first.repeated and second.repeated and third.repeated
    assert second.balance == third.balance == TOP_UP
    assert await balance(store) == TOP_UP
    assert await ledger(store) == [("topup", TOP_UP)]


async def test_a_payment_reported_by_many_tasks_at_once_is_credited_once(store: Store) -> None:
    order = await stars_order(store)
    event = paid(order, "charge-1")
    results = await all_at_once([lambda: store.settle_payment(event)] * 20)
    assert all(isinstance(r, Settled) for r in results), results
    assert sum(not r.repeated for r in results) == 1  # type: ignore[union-attr]
    assert await balance(store) == TOP_UP
    assert await ledger(store) == [("topup", TOP_UP)]


async def test_cryptopay_webhook_and_polling_racing_credit_once(store: Store) -> None:
    order = await cryptopay_order(store, "IV77")
    assert (await store.find_payment("IV77")).id == order.id  # type: ignore[union-attr]
    webhook = paid(order, "IV77")
    poll = paid(order, "IV77")
    results = await all_at_once([lambda: store.settle_payment(webhook), lambda: store.settle_payment(poll)] * 5)
    assert all(isinstance(r, Settled) for r in results), results
    assert sum(not r.repeated for r in results) == 1  # type: ignore[union-attr]
    assert await balance(store) == TOP_UP
    assert await ledger(store) == [("topup", TOP_UP)]


async def test_a_cryptopay_report_naming_another_invoice_is_a_mismatch(store: Store) -> None:
    order = await cryptopay_order(store, "IV77")
    assert await store.settle_payment(paid(order, "IV78")) == PaymentRejected(order_id=order.id, reason="mismatch")
    assert (await store.get_payment(order.id)).status == "pending"  # type: ignore[union-attr]
    assert await balance(store) == Decimal("0.00")


async def test_a_second_charge_of_a_paid_order_is_credited_as_a_payment_of_its_own(store: Store) -> None:
    order = await stars_order(store)
    await settled(store, paid(order, "charge-1"))
    second = await settled(store, paid(order, "charge-2"))
    assert not second.repeated and second.balance == 2 * TOP_UP
    assert second.payment.id != order.id
    assert (second.payment.status, second.payment.external_id, second.payment.amount) == ("paid", "charge-2", TOP_UP)
    assert await store.find_payment("charge-2") == second.payment
    assert (await settled(store, paid(order, "charge-2"))).repeated
    assert await balance(store) == 2 * TOP_UP
    assert await ledger(store) == [("topup", TOP_UP), ("topup", TOP_UP)]


async def test_a_second_charge_reported_by_many_tasks_at_once_is_credited_once(store: Store) -> None:
    order = await stars_order(store)
    await settled(store, paid(order, "charge-1"))
    event = paid(order, "charge-2")
    results = await all_at_once([lambda: store.settle_payment(event)] * 10)
    assert all(isinstance(r, Settled) for r in results), results
    assert sum(not r.repeated for r in results) == 1  # type: ignore[union-attr]
    assert await balance(store) == 2 * TOP_UP
    assert await ledger(store) == [("topup", TOP_UP), ("topup", TOP_UP)]


@pytest.mark.parametrize(
    "changes",
    [{"currency": "USD"}, {"provider_amount": STARS - 1}, {"method": "fiat"}],
    ids=["currency", "amount", "method"],
)
async def test_a_payment_unlike_its_order_is_rejected_as_a_mismatch(store: Store, changes: dict[str, object]) -> None:
    order = await stars_order(store)
    assert await store.settle_payment(paid(order, **changes)) == PaymentRejected(order_id=order.id, reason="mismatch")
    assert (await store.get_payment(order.id)).status == "pending"  # type: ignore[union-attr]
    assert await balance(store) == Decimal("0.00")
    assert await ledger(store) == []


@pytest.mark.parametrize("order_id", ["", "not-an-order", "x" * 500, str(uuid.uuid4())])
async def test_a_payment_of_an_unknown_order_is_rejected(store: Store, order_id: str) -> None:
    event = PaymentEvent(method="stars", order_id=order_id, external_id="charge-1", currency="XTR", provider_amount=STARS)
    result = await store.settle_payment(event)
    assert isinstance(result, PaymentRejected) and result.reason == "unknown"
    assert await balance(store) == Decimal("0.00")


async def test_a_top_up_pays_the_referrer_in_the_same_settlement(store: Store) -> None:
    invited = 5004
    await register(store, REFERRER)
    await register(store, invited, referrer_id=REFERRER)
    terms = ReferralTerms(percent=Decimal(10))
    order = await stars_order(store, invited)
    result = await settled(store, paid(order, "charge-1"), terms)
    assert result.balance == TOP_UP
    assert await balance(store, REFERRER) == Decimal("0.50")
    assert await ledger(store, REFERRER) == [("referral", Decimal("0.50"))]
    # Reported again: neither the payer nor the referrer is credited twice.
    assert (await settled(store, paid(order, "charge-1"), terms)).repeated
    assert await balance(store, REFERRER) == Decimal("0.50")
    assert await balance(store, invited) == TOP_UP


# --- direct purchases ----------------------------------------------------------------------------


async def test_a_paid_direct_purchase_delivers_and_leaves_the_balance_as_it_was(store: Store) -> None:
    await store.credit_user(BUYER, Decimal("1.00"), kind="adjustment")
    item = await unique_item(store, 3)
    order = await direct_order(store, item, quantity=2)
    assert (order.amount, order.item_id, order.quantity) == (Decimal("6.00"), item.id, 2)
    result = await settled(store, paid(order))
    purchase = result.purchase
    assert isinstance(purchase, Delivered), purchase
    assert purchase.units == ("Key-0", "Key-1") and purchase.total == Decimal("6.00")
    assert result.balance == Decimal("1.00") == await balance(store)
    assert result.payment.purchase_id == purchase.purchase_id and result.payment.status == "paid"
    assert (await store.get_item(item.id)).stock_left == 1  # type: ignore[union-attr]
    assert await ledger(store) == [("adjustment", Decimal("1.00")), ("topup", Decimal("6.00")), ("purchase", Decimal("-6.00"))]


async def test_a_direct_purchase_with_a_discount_code_charges_the_discounted_total(store: Store) -> None:
    item = await unique_item(store, 1)
    await store.create_promo("HALF", "percent", Decimal(50))
    order = await direct_order(store, item, amount=Decimal("1.50"), promo_code="HALF")
    purchase = (await settled(store, paid(order))).purchase
    assert isinstance(purchase, Delivered) and (purchase.total, purchase.discount) == (Decimal("1.50"), Decimal("1.50"))
    assert await balance(store) == Decimal("0.00")


async def test_opening_a_direct_purchase_at_a_price_no_longer_asked_is_refused(store: Store) -> None:
    item = await unique_item(store, 2)
    refused = await store.open_order(
        BUYER, "stars", Decimal("2.50"), currency="XTR", provider_amount=250, ttl=TTL, item_id=item.id
    )
    assert refused == PriceChanged(item_id=item.id, price=Decimal("3.00"), total=Decimal("3.00"))


async def test_opening_a_direct_purchase_of_more_than_is_left_is_refused(store: Store) -> None:
    item = await unique_item(store, 1)
    refused = await store.open_order(
        BUYER, "stars", Decimal("6.00"), currency="XTR", provider_amount=600, ttl=TTL, item_id=item.id, quantity=2
    )
    assert refused == SoldOut(item_id=item.id, stock_left=1)


async def test_a_direct_purchase_sold_out_before_payment_leaves_the_money_on_the_balance(store: Store) -> None:
    item = await unique_item(store, 1)
    order = await direct_order(store, item)
    await store.credit_user(OTHER, Decimal("3.00"), kind="adjustment")
    assert isinstance(await buy(store, item, "other-buys-it", OTHER), Delivered)
    result = await settled(store, paid(order))
    assert result.purchase == SoldOut(item_id=item.id, stock_left=0)
    assert result.payment.status == "paid" and result.payment.purchase_id is None
    assert result.balance == Decimal("3.00") == await balance(store)
    assert await ledger(store) == [("topup", Decimal("3.00"))]


# --- pre-checkout ----------------------------------------------------------------------------------


async def test_pre_checkout_accepts_a_pending_order_as_invoiced(store: Store) -> None:
    order = await stars_order(store)
    assert await store.pre_checkout(order.id, BUYER, "XTR", STARS) is None


async def test_pre_checkout_refuses_an_order_it_does_not_know_for_this_user(store: Store) -> None:
    order = await stars_order(store)
    assert await store.pre_checkout("not-an-order", BUYER, "XTR", STARS) == "unknown"
    assert await store.pre_checkout(str(uuid.uuid4()), BUYER, "XTR", STARS) == "unknown"
    assert await store.pre_checkout(order.id, OTHER, "XTR", STARS) == "unknown"


async def test_pre_checkout_refuses_another_amount_or_currency(store: Store) -> None:
    order = await stars_order(store)
    assert await store.pre_checkout(order.id, BUYER, "XTR", STARS + 1) == "amount"
    assert await store.pre_checkout(order.id, BUYER, "USD", STARS) == "amount"


@pytest.mark.parametrize("ttl", [timedelta(0), timedelta(minutes=-1)], ids=["zero", "negative"])
async def test_pre_checkout_refuses_an_order_past_its_time(store: Store, ttl: timedelta) -> None:
    order = await stars_order(store, ttl=ttl)
    assert await store.pre_checkout(order.id, BUYER, "XTR", STARS) == "expired"


async def test_pre_checkout_refuses_an_order_already_paid(store: Store) -> None:
    order = await stars_order(store)
    await settled(store, paid(order))
    assert await store.pre_checkout(order.id, BUYER, "XTR", STARS) == "not_pending"


async def test_pre_checkout_refuses_a_blocked_user_until_unblocked(store: Store) -> None:
    order = await stars_order(store)
    assert (await store.set_blocked(BUYER, True, actor_id=None)).blocked
    assert await store.pre_checkout(order.id, BUYER, "XTR", STARS) == "blocked"
    assert not (await store.set_blocked(BUYER, False, actor_id=None)).blocked
    assert await store.pre_checkout(order.id, BUYER, "XTR", STARS) is None


async def test_pre_checkout_refuses_a_direct_purchase_sold_out_meanwhile(store: Store) -> None:
    item = await unique_item(store, 1)
    order = await direct_order(store, item)
    assert await store.pre_checkout(order.id, BUYER, "XTR", order.provider_amount) is None
    await store.credit_user(OTHER, Decimal("3.00"), kind="adjustment")
    assert isinstance(await buy(store, item, "other-buys-it", OTHER), Delivered)
    assert await store.pre_checkout(order.id, BUYER, "XTR", order.provider_amount) == "sold_out"


async def test_pre_checkout_refuses_a_direct_purchase_whose_code_was_withdrawn(store: Store) -> None:
    item = await unique_item(store, 1)
    await store.create_promo("HALF", "percent", Decimal(50))
    order = await direct_order(store, item, amount=Decimal("1.50"), promo_code="HALF")
    await store.disable_promo("HALF")
    assert await store.pre_checkout(order.id, BUYER, "XTR", order.provider_amount) == "price_changed"


# --- expiry ------------------------------------------------------------------------------------------


async def test_expire_orders_expires_pending_orders_past_their_time(store: Store) -> None:
    overdue = await stars_order(store, ttl=timedelta(minutes=-1))
    open_ = await stars_order(store)
    paid_late = await stars_order(store, ttl=timedelta(minutes=-1))
    await settled(store, paid(paid_late))
    expired = await store.expire_orders()
    assert [(p.id, p.status) for p in expired] == [(overdue.id, "expired")]
    assert (await store.get_payment(open_.id)).status == "pending"  # type: ignore[union-attr]
    assert (await store.get_payment(paid_late.id)).status == "paid"  # type: ignore[union-attr]
    assert await store.expire_orders() == []


async def test_a_payment_arriving_after_its_order_expired_is_credited_as_late(store: Store) -> None:
    order = await stars_order(store, ttl=timedelta(minutes=-1))
    await store.expire_orders()
    result = await settled(store, paid(order))
    assert result.late and not result.repeated and result.payment.status == "paid"
    assert await balance(store) == TOP_UP
    assert await ledger(store) == [("topup", TOP_UP)]


async def test_open_invoices_lists_pending_and_recently_expired_cryptopay_invoices(store: Store) -> None:
    pending = await cryptopay_order(store, "IV-pending")
    recent = await cryptopay_order(store, "IV-recent", ttl=timedelta(minutes=-5))
    await cryptopay_order(store, "IV-old", ttl=timedelta(hours=-2))
    paid_one = await cryptopay_order(store, "IV-paid")
    await settled(store, paid(paid_one, "IV-paid"))
    await store.open_order(BUYER, "cryptopay", TOP_UP, currency="USD", provider_amount=500, ttl=TTL)  # no invoice yet
    await stars_order(store)
    await store.expire_orders()
    listed = await store.open_invoices("cryptopay", since=datetime.now(UTC) - timedelta(hours=1))
    assert sorted((p.external_id, p.status) for p in listed) == [("IV-pending", "pending"), ("IV-recent", "expired")]
    assert {p.id for p in listed} == {pending.id, recent.id}


# --- refunds -----------------------------------------------------------------------------------------


async def test_a_refund_of_an_unspent_stars_top_up_takes_the_credit_back(store: Store) -> None:
    payment = await paid_stars_top_up(store, "charge-1")
    started = await store.begin_refund("charge-1")
    assert isinstance(started, RefundStarted), started
    assert (started.payment.id, started.payment.status, started.balance, started.revoked) == (
        payment.id, "refunding", Decimal("0.00"), []
    )
    assert [p.id for p in await store.refunding_payments()] == [payment.id]
    finished = await store.finish_refund(payment.id, refunded=True)
    assert finished is not None and finished.status == "refunded" and finished.refunded_at is not None
    assert await store.refunding_payments() == []
    assert await balance(store) == Decimal("0.00")
    assert await ledger(store) == [("topup", TOP_UP), ("reversal", -TOP_UP)]


async def test_a_payment_being_or_already_refunded_is_not_refunded_again(store: Store) -> None:
    payment = await paid_stars_top_up(store)
    assert isinstance(await store.begin_refund(payment.id), RefundStarted)
    assert (await store.begin_refund(payment.id)).reason == "already_refunded"  # type: ignore[union-attr]
    await store.finish_refund(payment.id, refunded=True)
    again = await store.begin_refund("charge-1")
    assert isinstance(again, RefundRefused) and again.reason == "already_refunded"
    assert await ledger(store) == [("topup", TOP_UP), ("reversal", -TOP_UP)]


async def test_refunds_of_one_payment_begun_at_once_take_the_credit_back_once(store: Store) -> None:
    await paid_stars_top_up(store)
    results = await all_at_once([lambda: store.begin_refund("charge-1")] * 10)
    assert sum(isinstance(r, RefundStarted) for r in results) == 1, results
    assert all(isinstance(r, RefundStarted) or r.reason == "already_refunded" for r in results), results
    assert await balance(store) == Decimal("0.00")


async def test_a_refund_of_a_spent_credit_is_refused_and_changes_nothing(store: Store) -> None:
    payment = await paid_stars_top_up(store)
    item = await unique_item(store, 1)
    assert isinstance(await buy(store, item, "spend"), Delivered)
    refused = await store.begin_refund(payment.id)
    assert isinstance(refused, RefundRefused)
    assert (refused.reason, refused.needed, refused.balance) == ("balance_spent", TOP_UP, Decimal("2.00"))
    assert (await store.get_payment(payment.id)).status == "paid"  # type: ignore[union-attr]
    assert await balance(store) == Decimal("2.00")
    assert await ledger(store) == [("topup", TOP_UP), ("purchase", Decimal("-3.00"))]


async def test_a_refund_with_revoke_takes_back_the_purchases_made_since(store: Store) -> None:
    item = await unique_item(store, 2, price="2.00")
    payment = await paid_stars_top_up(store)
    first = await buy(store, item, "first")
    second = await buy(store, item, "second")
    assert isinstance(first, Delivered) and isinstance(second, Delivered)
    started = await store.begin_refund(payment.id, revoke=True)
    assert isinstance(started, RefundStarted), started
    # 1.00 left: revoking the newest purchase (2.00) leaves 3.00, short of 5.00; the older one then covers it.
    assert started.revoked == [second.purchase_id, first.purchase_id]
    assert started.balance == Decimal("0.00") == await balance(store)
    assert await ledger(store) == [
        ("topup", TOP_UP), ("purchase", Decimal("-2.00")), ("purchase", Decimal("-2.00")),
        ("refund", Decimal("2.00")), ("refund", Decimal("2.00")), ("reversal", -TOP_UP),
    ]


async def test_a_refund_with_revoke_stops_revoking_once_the_credit_is_covered(store: Store) -> None:
    await store.credit_user(BUYER, Decimal("2.00"), kind="adjustment")
    item = await unique_item(store, 2, price="2.00")
    payment = await paid_stars_top_up(store)
    first = await buy(store, item, "first")
    second = await buy(store, item, "second")
    assert isinstance(first, Delivered) and isinstance(second, Delivered)
    started = await store.begin_refund(payment.id, revoke=True)
    # 3.00 left: revoking the newest purchase (2.00) covers the 5.00; the older one stays.
    assert isinstance(started, RefundStarted) and started.revoked == [second.purchase_id]
    assert started.balance == Decimal("0.00") == await balance(store)


async def test_refunding_a_direct_purchase_with_revoke_revokes_its_own_purchase(store: Store) -> None:
    item = await unique_item(store, 1)
    order = await direct_order(store, item)
    result = await settled(store, paid(order))
    assert isinstance(result.purchase, Delivered)
    started = await store.begin_refund(order.id, revoke=True)
    assert isinstance(started, RefundStarted) and started.revoked == [result.purchase.purchase_id]
    assert started.balance == Decimal("0.00")
    assert await ledger(store) == [
        ("topup", Decimal("3.00")), ("purchase", Decimal("-3.00")), ("refund", Decimal("3.00")), ("reversal", Decimal("-3.00")),
    ]


async def test_a_refund_with_revoke_that_still_falls_short_changes_nothing(store: Store) -> None:
    payment = await paid_stars_top_up(store)
    item = await unique_item(store, 1)
    assert isinstance(await buy(store, item, "spend"), Delivered)
    await store.credit_user(BUYER, Decimal("-2.00"), kind="adjustment")
    refused = await store.begin_refund(payment.id, revoke=True)
    assert isinstance(refused, RefundRefused)
    assert (refused.reason, refused.needed, refused.balance) == ("balance_spent", TOP_UP, Decimal("0.00"))
    assert (await store.get_payment(payment.id)).status == "paid"  # type: ignore[union-attr]
    # The purchase is not revoked: no credit back for goods the buyer keeps while the refund is refused.
    assert await balance(store) == Decimal("0.00")
    assert await ledger(store) == [("topup", TOP_UP), ("purchase", Decimal("-3.00")), ("adjustment", Decimal("-2.00"))]


async def test_a_refund_the_provider_refused_gives_the_credit_back(store: Store) -> None:
    payment = await paid_stars_top_up(store)
    assert isinstance(await store.begin_refund(payment.id), RefundStarted)
    back = await store.finish_refund(payment.id, refunded=False)
    assert back is not None and back.status == "paid" and back.refunded_at is None
    assert await balance(store) == TOP_UP
    assert await store.refunding_payments() == []
    assert await ledger(store) == [("topup", TOP_UP), ("reversal", -TOP_UP), ("reversal", TOP_UP)]
    # Finishing twice gives nothing more back.
    await store.finish_refund(payment.id, refunded=False)
    assert await balance(store) == TOP_UP


@pytest.mark.parametrize("method, currency", [("cryptopay", "USD"), ("fiat", "EUR")])
async def test_only_stars_payments_are_refunded_through_the_shop(store: Store, method: str, currency: str) -> None:
    order = await store.open_order(BUYER, method, TOP_UP, currency=currency, provider_amount=500, ttl=TTL)
    assert isinstance(order, PaymentRecord)
    await settled(store, paid(order, "external-1"))
    refused = await store.begin_refund(order.id)
    assert isinstance(refused, RefundRefused) and refused.reason == "not_refundable"
    assert await balance(store) == TOP_UP


async def test_an_order_not_paid_cannot_be_refunded(store: Store) -> None:
    pending = await stars_order(store)
    expired = await stars_order(store, ttl=timedelta(minutes=-1))
    await store.expire_orders()
    assert (await store.begin_refund(pending.id)).reason == "not_paid"  # type: ignore[union-attr]
    assert (await store.begin_refund(expired.id)).reason == "not_paid"  # type: ignore[union-attr]
    assert await store.begin_refund("no-such-charge") == RefundRefused(reason="unknown")
    assert await store.finish_refund("not-an-order", refunded=True) is None


async def test_telegram_reporting_a_refund_the_shop_began_finishes_it(store: Store) -> None:
    payment = await paid_stars_top_up(store)
    assert isinstance(await store.begin_refund("charge-1"), RefundStarted)
    done = await store.record_refunded("charge-1")
    assert isinstance(done, RefundStarted)
    assert (done.payment.id, done.payment.status, done.balance) == (payment.id, "refunded", Decimal("0.00"))
    again = await store.record_refunded("charge-1")
    assert isinstance(again, RefundRefused) and again.reason == "already_refunded"
    assert await store.record_refunded("no-such-charge") == RefundRefused(reason="unknown")
    assert await ledger(store) == [("topup", TOP_UP), ("reversal", -TOP_UP)]


async def test_a_refund_made_outside_the_shop_takes_the_credit_back(store: Store) -> None:
    await paid_stars_top_up(store)
    done = await store.record_refunded("charge-1")
    assert isinstance(done, RefundStarted) and done.payment.status == "refunded" and done.balance == Decimal("0.00")
    assert await ledger(store) == [("topup", TOP_UP), ("reversal", -TOP_UP)]


async def test_a_refund_made_outside_the_shop_of_a_spent_credit_is_reported_and_marked_refunded(store: Store) -> None:
    payment = await paid_stars_top_up(store)
    item = await unique_item(store, 1)
    assert isinstance(await buy(store, item, "spend"), Delivered)
    refused = await store.record_refunded("charge-1")
    assert isinstance(refused, RefundRefused)
    assert (refused.reason, refused.needed, refused.balance) == ("balance_spent", TOP_UP, Decimal("2.00"))
    assert (await store.get_payment(payment.id)).status == "refunded"  # type: ignore[union-attr]
    assert await balance(store) == Decimal("2.00")
    assert await ledger(store) == [("topup", TOP_UP), ("purchase", Decimal("-3.00"))]


# --- money under contention --------------------------------------------------------------------------


async def test_top_ups_and_purchases_at_once_keep_the_balance_whole(store: Store) -> None:
    await store.add_category("Keys")
    item = await store.add_item("Keys", "Licence", Decimal("1.00"), kind="unlimited", content="LICENCE")
    orders = [await stars_order(store, amount=Decimal("1.00"), stars=100) for _ in range(10)]
    settle_calls = [
        (lambda order=order: store.settle_payment(paid(order, f"charge-{order.id}"))) for order in orders for _ in range(2)
    ]
    buy_calls = [(lambda n=n: buy(store, item, f"buy-{n}")) for n in range(20)]
    results = await all_at_once([call for pair in zip(settle_calls, buy_calls, strict=True) for call in pair])
    settlements = [r for r in results if isinstance(r, Settled)]
    purchases = [r for r in results if isinstance(r, Delivered | InsufficientFunds)]
    assert len(settlements) == len(purchases) == 20, results
    assert sum(not s.repeated for s in settlements) == 10
    delivered = sum(isinstance(r, Delivered) for r in purchases)
    assert await balance(store) == Decimal("10.00") - delivered >= 0
    kinds = [kind for kind, _ in await ledger(store)]
    assert kinds.count("topup") == 10 and kinds.count("purchase") == delivered
