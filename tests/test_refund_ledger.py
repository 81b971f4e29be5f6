"""Refunds and the ledger, on SQLite and PostgreSQL: a refund Telegram refuses leaves the ledger exactly
where it was (revoked purchases restored, their credits reversed, the payment's credit back), and a
refunded top-up takes back the referral reward it paid, giving back the caps it used. Every test ends
with the books balanced (the `store` fixture checks the ledger)."""

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from storage import Delivered, ReferralTerms, RefundRefused, RefundStarted, StorageSettings, Store, open_store
from tests.support.orders import (
    BUYER,
    OTHER,
    REFERRER,
    TOP_UP,
    balance,
    buy,
    ledger,
    paid,
    paid_stars_top_up,
    register,
    settled,
    stars_order,
    unique_item,
)

INVITED = 5004
# 10 % of each top-up, at most 0.50 from one invited user: a 5.00 top-up uses the whole cap.
TERMS = ReferralTerms(percent=Decimal(10), cap_per_referral=Decimal("0.50"))


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    """A fresh shop with two registered buyers; the books must balance at the end."""
    async with open_store(StorageSettings(database_url=database_url)) as opened:
        for user_id in (BUYER, OTHER):
            await register(opened, user_id)
        yield opened
        assert await opened.check_ledger() == []


async def spent_top_up(store: Store) -> tuple[str, list[str]]:
    """A 5.00 Stars top-up, 1.00 of the buyer's own, then two purchases of 2.00 and 3.00: 1.00 left, so
    refunding the top-up with revoke revokes both purchases. Returns the payment id and the purchases."""
    await store.credit_user(BUYER, Decimal("1.00"), kind="adjustment")
    cheap = await unique_item(store, 1, price="2.00", title="Cheap")
    dear = await unique_item(store, 1, price="3.00", title="Dear")
    payment = await paid_stars_top_up(store)
    first, second = await buy(store, cheap, "first"), await buy(store, dear, "second")
    assert isinstance(first, Delivered) and isinstance(second, Delivered)
    assert await balance(store) == Decimal("1.00")
    return payment.id, [first.purchase_id, second.purchase_id]


async def test_a_refund_telegram_refuses_after_revoking_leaves_the_ledger_as_it_was(store: Store) -> None:
    payment_id, purchases = await spent_top_up(store)
    before = await ledger(store)
    started = await store.begin_refund(payment_id, revoke=True)
    assert isinstance(started, RefundStarted) and started.revoked == purchases[::-1]
    assert (await store.profile(BUYER)).purchases == 0
    back = await store.finish_refund(payment_id, refunded=False)
    assert back is not None and back.status == "paid"
    assert await balance(store) == Decimal("1.00")
    profile = await store.profile(BUYER)
    assert (profile.purchases, profile.spent) == (2, Decimal("5.00"))  # both purchases stand again
    # Each step is an entry of its own: the revoked totals credited, the payment taken back, then the
    # payment's credit back and both purchases charged again.
    assert await ledger(store) == [
        *before, ("refund", Decimal("3.00")), ("refund", Decimal("2.00")), ("reversal", -TOP_UP),
        ("reversal", TOP_UP), ("purchase", Decimal("-2.00")), ("purchase", Decimal("-3.00")),
    ]
    assert await store.check_ledger() == []
    # Refunding again later starts from the same place.
    again = await store.begin_refund(payment_id, revoke=True)
    assert isinstance(again, RefundStarted) and again.revoked == purchases[::-1]


async def test_a_refund_telegram_makes_after_revoking_keeps_the_purchases_revoked(store: Store) -> None:
    payment_id, purchases = await spent_top_up(store)
    started = await store.begin_refund(payment_id, revoke=True)
    assert isinstance(started, RefundStarted) and started.revoked == purchases[::-1]
    done = await store.finish_refund(payment_id, refunded=True)
    assert done is not None and done.status == "refunded"
    # 1.00 + 3.00 + 2.00 credited back − 5.00 given back to Telegram.
    assert await balance(store) == Decimal("1.00")
    profile = await store.profile(BUYER)
    assert (profile.purchases, profile.spent) == (0, Decimal("0.00"))
    assert await store.check_ledger() == []


async def test_purchases_the_balance_no_longer_covers_stay_revoked_and_are_audited(store: Store) -> None:
    await store.credit_user(BUYER, Decimal("2.00"), kind="adjustment")
    older = await unique_item(store, 1, price="3.00", title="Older")
    newer = await unique_item(store, 1, price="4.00", title="Newer")
    other = await unique_item(store, 1, price="2.00", title="Other")
    payment = await paid_stars_top_up(store)
    first, second = await buy(store, older, "first"), await buy(store, newer, "second")
    assert isinstance(first, Delivered) and isinstance(second, Delivered)
    started = await store.begin_refund(payment.id, revoke=True)
    # 0.00 left: both purchases revoked (7.00 back), the payment's 5.00 taken: 2.00 left...
    assert isinstance(started, RefundStarted) and started.balance == Decimal("2.00")
    # ...which the buyer spends while Telegram is asked.
    assert isinstance(await buy(store, other, "meanwhile"), Delivered)
    await store.finish_refund(payment.id, refunded=False)
    # 5.00 back restores the older purchase (3.00), oldest first; the newer one (4.00) is no longer
    # covered: it stays revoked and credited, audited, and nothing goes below zero.
    assert await balance(store) == Decimal("2.00")
    profile = await store.profile(BUYER)
    assert (profile.purchases, profile.spent) == (2, Decimal("5.00"))
    events = await store.audit_page(1, 10, security_only=True)
    assert [(e.action, e.target) for e in events.rows] == [("payment.refund_unrestored", second.purchase_id)]
    assert await store.check_ledger() == []


# --- referral rewards ---------------------------------------------------------------------------------


async def invited_top_up(store: Store, charge: str = "charge-1") -> str:
    """A 5.00 Stars top-up by a user REFERRER invited, paying REFERRER 0.50 (the whole per-user cap)."""
    await register(store, REFERRER)
    await register(store, INVITED, referrer_id=REFERRER)
    order = await stars_order(store, INVITED)
    result = await settled(store, paid(order, charge), TERMS)
    assert await balance(store, REFERRER) == Decimal("0.50")
    return result.payment.id


async def top_up_again(store: Store, charge: str) -> None:
    """Another 5.00 top-up by the invited user."""
    await settled(store, paid(await stars_order(store, INVITED), charge), TERMS)


async def test_refunding_a_top_up_takes_back_the_referrers_reward_and_gives_back_the_cap(store: Store) -> None:
    payment_id = await invited_top_up(store)
    await top_up_again(store, "charge-2")
    assert await balance(store, REFERRER) == Decimal("0.50")  # the cap is used up
    started = await store.begin_refund(payment_id)
    assert isinstance(started, RefundStarted)
    await store.finish_refund(payment_id, refunded=True)
    assert await balance(store, REFERRER) == Decimal("0.00")
    assert await ledger(store, REFERRER) == [("referral", Decimal("0.50")), ("reward_reversal", Decimal("-0.50"))]
    assert (await store.profile(REFERRER)).referral_earned == Decimal("0.00")
    # The cap it used is free again: the next top-up earns the reward.
    await top_up_again(store, "charge-3")
    assert await balance(store, REFERRER) == Decimal("0.50")
    assert (await store.profile(REFERRER)).referral_earned == Decimal("0.50")


async def test_a_refused_refund_gives_the_referrer_the_reward_back(store: Store) -> None:
    payment_id = await invited_top_up(store)
    assert isinstance(await store.begin_refund(payment_id), RefundStarted)
    assert await balance(store, REFERRER) == Decimal("0.00")
    await store.finish_refund(payment_id, refunded=False)
    assert await balance(store, REFERRER) == Decimal("0.50")
    assert await ledger(store, REFERRER) == [
        ("referral", Decimal("0.50")), ("reward_reversal", Decimal("-0.50")), ("referral", Decimal("0.50")),
    ]
    # The cap is used again, as before the attempt.
    await top_up_again(store, "charge-2")
    assert await balance(store, REFERRER) == Decimal("0.50")
    assert (await store.profile(REFERRER)).referral_earned == Decimal("0.50")


async def test_a_refund_made_outside_the_shop_takes_back_the_reward(store: Store) -> None:
    await invited_top_up(store)
    done = await store.record_refunded("charge-1")
    assert isinstance(done, RefundStarted) and done.balance == Decimal("0.00")
    assert await balance(store, REFERRER) == Decimal("0.00")
    assert await ledger(store, REFERRER) == [("referral", Decimal("0.50")), ("reward_reversal", Decimal("-0.50"))]
    # Reported again, nothing more is taken.
    assert (await store.record_refunded("charge-1")).reason == "already_refunded"  # type: ignore[union-attr]
    assert await balance(store, REFERRER) == Decimal("0.00")
    await top_up_again(store, "charge-2")
    assert await balance(store, REFERRER) == Decimal("0.50")


async def test_a_reward_the_referrer_spent_is_taken_back_as_far_as_the_balance_holds(store: Store) -> None:
    await invited_top_up(store)
    item = await unique_item(store, 1, price="0.30")
    assert isinstance(await buy(store, item, "spend", user_id=REFERRER), Delivered)
    # Refunded outside the shop, and the invited user had spent their credit too.
    await store.credit_user(INVITED, Decimal("-5.00"), kind="adjustment")
    refused = await store.record_refunded("charge-1")
    assert isinstance(refused, RefundRefused) and refused.reason == "balance_spent"
    # 0.20 of the 0.50 was left: taken back; the 0.30 spent stays the referrer's, and counts against the cap.
    assert await balance(store, REFERRER) == Decimal("0.00")
    assert await ledger(store, REFERRER) == [
        ("referral", Decimal("0.50")), ("purchase", Decimal("-0.30")), ("reward_reversal", Decimal("-0.20")),
    ]
    assert (await store.profile(REFERRER)).referral_earned == Decimal("0.30")
    events = await store.audit_page(1, 10, security_only=True)
    assert [e.action for e in events.rows] == ["referral.reward_unrecovered"]
    assert "0.50 to take back, 0.20 taken" in events.rows[0].detail
    await top_up_again(store, "charge-2")
    assert await balance(store, REFERRER) == Decimal("0.20")  # what the cap had left
