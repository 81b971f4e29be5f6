"""Refunds of Stars payments by the staff (`/refund`), and Telegram's refunded_payment."""

from datetime import timedelta
from decimal import Decimal

from storage import PaymentEvent, PaymentRecord, PurchaseRequest, Settled
from telegram.emulator import EmulatedUser, Fault
from tests.support.chat import press_when_shown, reply_to
from tests.support.payments import top_up
from tests.support.shop import OWNER_ID, TOKEN, RunningShop, open_shop
from tests.support.store import seed_item
from tests.support.waiting import eventually


async def balance(shop: RunningShop, user_id: int) -> Decimal:
    user = await shop.store.get_user(user_id)
    assert user is not None
    return user.balance


async def ask(user: EmulatedUser, text: str) -> str:
    """Send `text`; the bot's reply's text."""
    sent = await user.send_text(text)
    reply = await user.wait_for(lambda m: m["message_id"] > sent["message_id"])
    return reply.get("text") or ""


async def test_the_owner_refunds_a_stars_top_up_and_the_buyer_gets_the_stars_back(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        owner, ann = shop.emu.user(OWNER_ID, "Owner"), shop.emu.user(1001, "Ann")
        paid = await top_up(ann)
        await ann.wait_for_text("Payment received")
        assert ann.stars == 10_000 - 500
        answer = await ask(owner, f"/refund {paid.charge_id}")
        assert "Refunded 10.00 USD (500 ⭐) to user 1001" in answer
        await ann.wait_for_text("was refunded")
        assert ann.stars == 10_000
        assert await balance(shop, 1001) == Decimal("0.00")
        payment = await shop.store.find_payment(paid.charge_id)
        assert payment is not None and payment.status == "refunded"
        ledger = await shop.store.ledger_page(1001, 1, 10)
        assert [(row.kind, row.amount) for row in ledger.rows] == [("reversal", Decimal("-10.00")), ("topup", Decimal("10.00"))]
        assert await shop.store.check_ledger() == []
        await ann.send_text("/start")
        await press_when_shown(ann, "👤 Profile")
        await press_when_shown(ann, "💰 Balance history")
        history = await ann.wait_for_text("Payment refunded to you")
        assert "−10.00 USD" in history["text"]
        # A second refund of the same payment is reported, not an error; Telegram is not asked again.
        assert "already refunded" in await ask(owner, f"/refund {paid.charge_id}")
        # Telegram's refunded_payment came in meanwhile and changed nothing more.
        await eventually(lambda: any("refunded_payment" in m for m in ann.transcript()), what="refunded_payment")
        assert await balance(shop, 1001) == Decimal("0.00") and ann.stars == 10_000


async def test_the_staff_find_the_charge_to_refund_on_the_buyers_payments(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        owner, ann = shop.emu.user(OWNER_ID, "Owner"), shop.emu.user(1001, "Ann")
        paid = await top_up(ann)
        await ann.wait_for_text("Payment received")
        await reply_to(owner, "/admin")
        await press_when_shown(owner, "👥 Users")
        await owner.wait_for_text("Send the id")
        await reply_to(owner, "1001")
        await press_when_shown(owner, "💳 Payments")
        payments = await owner.wait_for_text("Payments of 1001")
        assert "stars · paid · 10.00" in payments["text"] and paid.charge_id in payments["text"]
        assert "Refunded 10.00 USD (500 ⭐) to user 1001" in await ask(owner, f"/refund {paid.charge_id}")


async def test_a_spent_credit_is_refunded_only_with_revoke(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        await seed_item(shop.store, price="8.00", units=["KEY-1"])
        owner, ann = shop.emu.user(OWNER_ID, "Owner"), shop.emu.user(1001, "Ann")
        paid = await top_up(ann)
        await ann.wait_for_text("Payment received")
        bought = await shop.store.buy([_request(1001)])
        assert bought[0].units == ("KEY-1",)  # type: ignore[union-attr]
        refused = await ask(owner, f"/refund {paid.charge_id}")
        assert "the payment credited 10.00 USD, but user 1001 has only 2.00 USD left" in refused
        assert await balance(shop, 1001) == Decimal("2.00") and ann.stars == 10_000 - 500
        done = await ask(owner, f"/refund {paid.charge_id} revoke")
        assert "Refunded 10.00 USD" in done and "1 purchase was revoked" in done
        assert ann.stars == 10_000
        assert await balance(shop, 1001) == Decimal("0.00")
        # The revoked purchase stays readable in the buyer's history, and no longer counts as spent.
        history = await shop.store.purchase_history(1001, 1, 10)
        assert [row.item_title for row in history.rows] == ["Space <Game> & Co"]
        profile = await shop.store.profile(1001)
        assert profile.purchases == 0 and profile.spent == Decimal("0.00")
        assert await shop.store.check_ledger() == []


async def test_a_refund_telegram_refuses_after_revoking_changes_nothing(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        await seed_item(shop.store, price="8.00", units=["KEY-1"])
        owner, ann = shop.emu.user(OWNER_ID, "Owner"), shop.emu.user(1001, "Ann")
        await ann.send_text("/start")
        await ann.wait_for_text("Welcome")
        # A payment Telegram will not refund: it knows no such charge (say, one made to another bot).
        order = await shop.store.open_order(
            1001, "stars", Decimal("10.00"), currency="XTR", provider_amount=500, ttl=timedelta(hours=1)
        )
        assert isinstance(order, PaymentRecord)
        event = PaymentEvent(method="stars", order_id=order.id, external_id="stxUnknown", currency="XTR", provider_amount=500)
        assert isinstance(await shop.store.settle_payment(event), Settled)
        await shop.store.buy([_request(1001)])
        assert await balance(shop, 1001) == Decimal("2.00")
        answer = await ask(owner, "/refund stxUnknown revoke")
        assert "Telegram refused the refund" in answer and "CHARGE_NOT_FOUND" in answer
        # Where it was before the attempt: the purchase stands, the balance is what was left.
        assert await balance(shop, 1001) == Decimal("2.00")
        profile = await shop.store.profile(1001)
        assert (profile.purchases, profile.spent) == (1, Decimal("8.00"))
        payment = await shop.store.find_payment("stxUnknown")
        assert payment is not None and payment.status == "paid"
        assert await shop.store.check_ledger() == []


async def test_refunds_take_back_the_referrers_reward(database_url: str) -> None:
    async with open_shop(database_url, shop={"referral_percent": "10"}) as shop:
        owner, ann, bob = shop.emu.user(OWNER_ID, "Owner"), shop.emu.user(1001, "Ann"), shop.emu.user(1002, "Bob")
        await ann.send_text("/start")
        await ann.wait_for_text("Welcome")
        await bob.send_text("/start 1001")
        await bob.wait_for_text("Welcome")
        paid = await top_up(bob)
        await bob.wait_for_text("Payment received")
        assert await balance(shop, 1001) == Decimal("1.00")
        # Refunded by the shop.
        assert "Refunded 10.00 USD" in await ask(owner, f"/refund {paid.charge_id}")
        assert await balance(shop, 1001) == Decimal("0.00")
        assert (await shop.store.profile(1001)).referral_earned == Decimal("0.00")
        await ann.send_text("/start")
        await press_when_shown(ann, "👤 Profile")
        await press_when_shown(ann, "💰 Balance history")
        history = await ann.wait_for_text("Referral reward taken back")
        assert "−1.00 USD" in history["text"]
        # Refunded outside the shop (Telegram's support): its refunded_payment takes the reward back too.
        again = await top_up(bob)
        await eventually(lambda: sum("Payment received" in (m.get("text") or "") for m in bob.bot_messages()) == 2)
        assert await balance(shop, 1001) == Decimal("1.00")
        outcome = await shop.emu.call_api(
            TOKEN, "refundStarPayment", {"user_id": 1002, "telegram_payment_charge_id": again.charge_id}
        )
        assert outcome.status == 200
        await reply_to(bob, "/help")  # Bob's updates are handled in order: the refunded_payment is done
        assert await balance(shop, 1001) == Decimal("0.00") and await balance(shop, 1002) == Decimal("0.00")
        assert await shop.store.check_ledger() == []


async def test_a_refund_telegram_cannot_take_now_is_finished_by_the_reconciler(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, payments={"cryptopay_poll_interval": 0.2}, max_retries=0) as shop:
        owner, ann = shop.emu.user(OWNER_ID, "Owner"), shop.emu.user(1001, "Ann")
        paid = await top_up(ann)
        await ann.wait_for_text("Payment received")
        shop.emu.faults.inject(Fault(method="refundStarPayment", kind="server_error", status=502))
        answer = await ask(owner, f"/refund {paid.charge_id}")
        assert "Telegram did not answer" in answer
        assert await balance(shop, 1001) == Decimal("0.00")
        await ann.wait_for_text("was refunded")
        assert ann.stars == 10_000
        payment = await shop.store.find_payment(paid.charge_id)
        assert payment is not None and payment.status == "refunded"
        assert await shop.store.check_ledger() == []


async def test_refusals_are_explained(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        owner = shop.emu.user(OWNER_ID, "Owner")
        assert "Usage: /refund CHARGE_ID" in await ask(owner, "/refund")
        assert "No payment nope" in await ask(owner, "/refund nope")
        assert "Usage" in await ask(owner, "/refund a b c")


async def test_a_buyer_or_an_admin_without_the_payments_permission_cannot_refund_and_is_audited(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        ann, bob = shop.emu.user(1001, "Ann"), shop.emu.user(1002, "Bob")
        paid = await top_up(ann)
        await ann.wait_for_text("Payment received")
        assert await ask(ann, f"/refund {paid.charge_id}") == "⛔ This is for the shop's staff only."
        await bob.send_text("/start")
        await bob.wait_for_text("Welcome")
        await shop.store.grant_admin(1002, ["stock"], actor_id=None)  # the operator: owner 1 never wrote to the bot
        assert await ask(bob, f"/refund {paid.charge_id}") == (
            "⛔ This needs the “Payments” permission. Ask the owner if you need it."
        )
        assert await balance(shop, 1001) == Decimal("10.00") and ann.stars == 10_000 - 500
        events = await shop.store.audit_page(1, 10, security_only=True)
        assert [(e.action, e.actor_id, e.target) for e in reversed(events.rows)] == [
            ("permission.refused", 1001, "refund"), ("permission.refused", 1002, "refund")
        ]


def _request(user_id: int) -> PurchaseRequest:
    return PurchaseRequest(key=f"test:{user_id}", user_id=user_id, item_id=1)
