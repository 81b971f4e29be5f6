"""Payments through providers: orders, pre-checkout checks, settlement exactly once, expiry, refunds.

An order (a `Payment` row) is opened before the invoice goes out; its id is the invoice payload. A
provider's report that it was paid (`PaymentEvent`) is settled in one transaction: the order moves
from pending (or expired: a late payment is still money received) to paid by a conditional UPDATE,
the balance is credited with its ledger entry and referral reward, and a direct purchase buys the
item with that credit. The conditional UPDATE and the unique (method, external_id) key make a
report seen twice, or by two processes at once (webhook and polling), credit once.

A refund runs in two steps around the provider's call: `begin_refund` takes the credit back (the
balance never goes below zero: if the credit was spent, purchases made since are revoked first, when
the admin says so) and marks the payment refunding; `finish_refund` marks it refunded, or gives the
credit back if the provider refused. A crash in between leaves the payment refunding, and the
reconciler asks the provider again (a second refund of one charge is reported as already done).
"""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from storage.catalog import ID_MAX, SHOWN, in_shown_category
from storage.errors import UnknownUser
from storage.ledger import apply_credit
from storage.models import CENT, Item, ItemKind, LedgerKind, Payment, PaymentMethod, PaymentStatus, Purchase, User
from storage.promos import DiscountGate
from storage.purchases import _buy
from storage.records import (
    Delivered,
    ItemUnavailable,
    PaymentEvent,
    PaymentRecord,
    PaymentRejected,
    PreCheckoutReason,
    PriceChanged,
    PromoDiscount,
    PromoRefusal,
    PromoRejected,
    PurchaseRequest,
    ReferralTerms,
    RefundRefused,
    RefundStarted,
    Settled,
    SoldOut,
)
from storage.users import user_record

SETTLED = (PaymentStatus.PAID, PaymentStatus.REFUNDING, PaymentStatus.REFUNDED)


def payment_record(payment: Payment) -> PaymentRecord:
    return PaymentRecord(
        id=str(payment.id), user_id=payment.user_id, method=str(payment.method), status=str(payment.status),  # type: ignore[attr-defined]
        amount=Decimal(payment.amount).quantize(CENT), currency=payment.currency, provider_amount=payment.provider_amount,
        created_at=payment.created_at, expires_at=payment.expires_at, item_id=payment.item_id,  # type: ignore[attr-defined]
        quantity=payment.quantity, promo_code=payment.promo_code, external_id=payment.external_id,
        pay_url=payment.pay_url, purchase_id=str(payment.purchase_id) if payment.purchase_id else None,  # type: ignore[attr-defined]
        paid_at=payment.paid_at, refunded_at=payment.refunded_at,
    )


def _order_id(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except (ValueError, TypeError, AttributeError):
        return None


async def open_order(
    user_id: int,
    method: str,
    amount: Decimal,
    *,
    currency: str,
    provider_amount: int,
    ttl: timedelta,
    item_id: int | None = None,
    quantity: int = 1,
    promo_code: str | None = None,
) -> PaymentRecord | ItemUnavailable | SoldOut | PriceChanged | PromoRejected:
    """Open a pending order for `amount` (the shop's currency), charged as `provider_amount` of
    `currency`. With `item_id` it is a direct purchase of `quantity` units with `promo_code`, and
    `amount` must be what that costs now (else PriceChanged), with the stock there (else SoldOut)."""
    amount = amount.quantize(CENT)
    async with in_transaction() as conn:
        if item_id is not None:
            refusal = await _item_refusal(conn, user_id, item_id, quantity, promo_code, amount)
            if refusal is not None:
                return refusal
        if not await User.filter(id=user_id).using_db(conn).exists():
            raise UnknownUser(user_id)
        payment = await Payment.create(
            id=uuid.uuid4(), user_id=user_id, method=PaymentMethod(method), amount=amount, currency=currency,
            provider_amount=provider_amount, item_id=item_id, quantity=quantity, promo_code=promo_code,
            expires_at=datetime.now(UTC) + ttl, using_db=conn,
        )
        return payment_record(payment)


async def _item_refusal(
    conn: BaseDBAsyncClient, user_id: int, item_id: int, quantity: int, promo_code: str | None, amount: Decimal
) -> ItemUnavailable | SoldOut | PriceChanged | PromoRejected | None:
    """Why this direct purchase cannot be paid for now, or None."""
    shown = Item.filter(in_shown_category(), id=item_id, hidden=False).using_db(conn).only(*SHOWN)
    item = await shown.first() if 0 < item_id <= ID_MAX else None
    if item is None or not 0 < quantity <= ID_MAX or (item.kind != ItemKind.UNIQUE and quantity != 1):
        return ItemUnavailable(item_id=item_id)
    if item.kind == ItemKind.UNIQUE and item.stock_left < quantity:
        return SoldOut(item_id=item_id, stock_left=item.stock_left)
    subtotal = item.price * quantity
    discount = Decimal(0)
    if promo_code:
        gate = await DiscountGate.open(conn, [(promo_code, user_id)], lock=False)
        promo = await gate.check(promo_code, user_id, item, subtotal, datetime.now(UTC))
        if isinstance(promo, PromoRefusal):
            return PromoRejected(item_id=item_id, code=promo.code, reason=promo.reason)
        discount = promo.discount if isinstance(promo, PromoDiscount) else Decimal(0)
    if subtotal - discount != amount:
        return PriceChanged(item_id=item_id, price=item.price, total=subtotal - discount)
    return None


async def attach_invoice(order_id: str, external_id: str, pay_url: str) -> None:
    """Remember the provider's invoice of a pending order (CryptoPay: its id and payment link)."""
    await Payment.filter(id=order_id).update(external_id=external_id, pay_url=pay_url)


async def get_payment(order_id: str, *, user_id: int | None = None) -> PaymentRecord | None:
    """The order with this id (only if it is `user_id`'s, when given)."""
    key = _order_id(order_id)
    if key is None:
        return None
    query = Payment.filter(id=key) if user_id is None else Payment.filter(id=key, user_id=user_id)
    payment = await query.first()
    return None if payment is None else payment_record(payment)


async def find_payment(reference: str) -> PaymentRecord | None:
    """A payment by its order id or by the provider's id of it (a Stars charge id, an invoice id)."""
    key = _order_id(reference)
    query = Payment.filter(id=key) if key is not None else Payment.filter(external_id=reference[:128])
    payment = await query.order_by("created_at").first()
    return None if payment is None else payment_record(payment)


async def recent_payments(user_id: int, limit: int = 5) -> list[PaymentRecord]:
    """The user's latest orders, newest first (what a payment dispute shows the staff)."""
    payments = await Payment.filter(user_id=user_id).order_by("-created_at").limit(limit)
    return [payment_record(payment) for payment in payments]


async def pre_checkout(order_id: str, user_id: int, currency: str, total_amount: int) -> PreCheckoutReason | None:
    """Whether Telegram may take this payment (None) or why not: the order must be this user's,
    pending and unexpired, for exactly this amount; the user not blocked; a direct purchase's item
    still on sale in that quantity at that price."""
    key = _order_id(order_id)
    if key is None:
        return "unknown"
    async with in_transaction() as conn:
        payment = await Payment.get_or_none(id=key, user_id=user_id).using_db(conn)
        if payment is None:
            return "unknown"
        if payment.status == PaymentStatus.EXPIRED or (
            payment.status == PaymentStatus.PENDING and payment.expires_at <= datetime.now(UTC)
        ):
            return "expired"
        if payment.status != PaymentStatus.PENDING:
            return "not_pending"
        if payment.currency != currency or payment.provider_amount != total_amount:
            return "amount"
        if await User.filter(id=user_id, blocked=True).using_db(conn).exists():
            return "blocked"
        if payment.item_id is not None:  # type: ignore[attr-defined]
            refusal = await _item_refusal(
                conn, user_id, payment.item_id, payment.quantity, payment.promo_code, payment.amount  # type: ignore[attr-defined]
            )
            if isinstance(refusal, SoldOut):
                return "sold_out"
            if isinstance(refusal, PriceChanged | PromoRejected):
                return "price_changed"
            if refusal is not None:
                return "item_gone"
    return None


async def settle_payment(event: PaymentEvent, referral: ReferralTerms | None = None) -> Settled | PaymentRejected:
    """Credit a paid order exactly once (see the module docstring); with `referral` terms its
    referrer earns their reward in the same transaction. A direct purchase then buys the item with
    the credit; if it cannot (sold out meanwhile), the money stays on the balance.

    A second, different payment of an order already paid (a buyer who paid one invoice twice) is
    money received too: it is credited to the balance as a top-up of its own."""
    key = _order_id(event.order_id)
    if key is None:
        return PaymentRejected(order_id=event.order_id[:64], reason="unknown")
    method = PaymentMethod(event.method)
    async with in_transaction() as conn:
        payment = await Payment.get_or_none(id=key).using_db(conn)
        if payment is None:
            return PaymentRejected(order_id=event.order_id[:64], reason="unknown")
        if payment.method != method or payment.currency != event.currency or payment.provider_amount != event.provider_amount:
            return PaymentRejected(order_id=event.order_id, reason="mismatch")
        if method == PaymentMethod.CRYPTOPAY and payment.external_id not in (None, event.external_id):
            return PaymentRejected(order_id=event.order_id, reason="mismatch")
        now = datetime.now(UTC)
        # The first statement is the write that claims the order (and SQLite's write lock).
        claimed = await Payment.filter(
            id=key, status__in=(PaymentStatus.PENDING, PaymentStatus.EXPIRED)
        ).using_db(conn).update(
            status=PaymentStatus.PAID, external_id=event.external_id, provider_charge_id=event.provider_charge_id, paid_at=now
        )
        if not claimed:
            # Reports that miss the claim take turns on the order's row (PostgreSQL; SQLite has one
            # writer): a second charge reported twice at once is then recorded by the first and
            # found as repeated by the next, instead of both inserting it.
            payment = await Payment.filter(id=key).using_db(conn).select_for_update(no_key=True).get()
            if payment.external_id == event.external_id or method == PaymentMethod.CRYPTOPAY:
                return await _repeated(conn, payment)
            existing = await Payment.get_or_none(method=method, external_id=event.external_id).using_db(conn)
            if existing is not None:
                return await _repeated(conn, existing)
            payment = await _extra_payment(conn, payment, event, now)
        # Expired, or due to be: the sweep may not have come by yet.
        late = payment.status == PaymentStatus.EXPIRED or (payment.status == PaymentStatus.PENDING and payment.expires_at <= now)
        payment = await Payment.get(id=payment.id).using_db(conn)
        balance = await apply_credit(
            conn, payment.user_id, payment.amount, kind=LedgerKind.TOPUP, reason=f"{method}:{payment.id}",  # type: ignore[attr-defined]
            referral=referral,
        )
        purchase = None
        if payment.item_id is not None:  # type: ignore[attr-defined]
            request = PurchaseRequest(
                key=f"payment:{payment.id}", user_id=payment.user_id, item_id=payment.item_id,  # type: ignore[attr-defined]
                quantity=payment.quantity, promo_code=payment.promo_code, expected_total=payment.amount,
            )
            [purchase] = await _buy(conn, [request])
            if isinstance(purchase, Delivered):
                await Payment.filter(id=payment.id).using_db(conn).update(purchase_id=purchase.purchase_id)
                balance = purchase.balance
            payment = await Payment.get(id=payment.id).using_db(conn)
        user = await User.get(id=payment.user_id).using_db(conn)  # type: ignore[attr-defined]
        return Settled(payment=payment_record(payment), user=user_record(user), balance=balance, purchase=purchase, late=late)


async def _repeated(conn: BaseDBAsyncClient, payment: Payment) -> Settled:
    user = await User.get(id=payment.user_id).using_db(conn)  # type: ignore[attr-defined]
    return Settled(payment=payment_record(payment), user=user_record(user), balance=user.balance, repeated=True)


async def _extra_payment(conn: BaseDBAsyncClient, order: Payment, event: PaymentEvent, now: datetime) -> Payment:
    """A second payment of a paid order, recorded as a paid top-up of its own (the unique key
    backs the order's row lock taken before it)."""
    return await Payment.create(
        id=uuid.uuid4(), user_id=order.user_id, method=order.method, status=PaymentStatus.PAID,  # type: ignore[attr-defined]
        amount=order.amount, currency=order.currency, provider_amount=order.provider_amount,
        external_id=event.external_id, provider_charge_id=event.provider_charge_id, expires_at=order.expires_at,
        paid_at=now, using_db=conn,
    )


async def expire_orders(now: datetime | None = None) -> list[PaymentRecord]:
    """Mark the pending orders whose time is up as expired; returns them."""
    now = now or datetime.now(UTC)
    async with in_transaction() as conn:
        due = await Payment.filter(status=PaymentStatus.PENDING, expires_at__lte=now).using_db(conn).order_by("expires_at").limit(1000)
        if not due:
            return []
        ids = [payment.id for payment in due]
        await Payment.filter(id__in=ids, status=PaymentStatus.PENDING).using_db(conn).update(status=PaymentStatus.EXPIRED)
        return [payment_record(payment) for payment in await Payment.filter(id__in=ids, status=PaymentStatus.EXPIRED).using_db(conn)]


async def open_invoices(method: str, *, since: datetime) -> list[PaymentRecord]:
    """Orders of `method` with an invoice that may still be paid: pending ones, and those expired
    since `since` (a provider may report a payment late)."""
    payments = await Payment.filter(
        Q(status=PaymentStatus.PENDING) | Q(status=PaymentStatus.EXPIRED, expires_at__gte=since),
        method=PaymentMethod(method), external_id__isnull=False,
    ).order_by("created_at")
    return [payment_record(payment) for payment in payments]


async def refunding_payments() -> list[PaymentRecord]:
    """Refunds begun and not finished (a crash between the ledger and the provider's answer)."""
    return [payment_record(p) for p in await Payment.filter(status=PaymentStatus.REFUNDING).order_by("created_at")]


async def begin_refund(reference: str, *, revoke: bool = False) -> RefundStarted | RefundRefused:
    """Take back the credit of a paid Stars payment, found by order id or charge id (step one of a
    refund). When the balance no longer covers it, the refund is refused (balance_spent), unless
    `revoke`: then the payment's own purchase, and if need be the buyer's other purchases since the
    payment (newest first), are revoked and their totals credited back until it is covered. A
    refused refund changes nothing: purchases revoked on the way are rolled back with it."""
    try:
        async with in_transaction() as conn:
            payment = await _payment_by_reference(conn, reference)
            if payment is None:
                return RefundRefused(reason="unknown")
            record = payment_record(payment)
            if payment.status in (PaymentStatus.REFUNDING, PaymentStatus.REFUNDED):
                return RefundRefused(reason="already_refunded", payment=record)
            if payment.status != PaymentStatus.PAID:
                return RefundRefused(reason="not_paid", payment=record)
            if payment.method != PaymentMethod.STARS:
                return RefundRefused(reason="not_refundable", payment=record)
            if not await Payment.filter(id=payment.id, status=PaymentStatus.PAID).using_db(conn).update(status=PaymentStatus.REFUNDING):
                return RefundRefused(reason="already_refunded", payment=record)
            user_id = payment.user_id  # type: ignore[attr-defined]
            locked = await User.filter(id=user_id).using_db(conn).select_for_update(no_key=True).only("id", "balance").first()
            held = locked.balance if locked is not None else Decimal(0)
            balance, revoked = held, []
            if balance < payment.amount and revoke:
                balance, revoked = await _revoke_until_covered(conn, payment, balance)
            if balance < payment.amount:
                raise _Refused(RefundRefused(reason="balance_spent", payment=record, needed=record.amount, balance=held))
            balance = await apply_credit(conn, user_id, -payment.amount, kind=LedgerKind.REVERSAL, reason=str(payment.id))
            payment = await Payment.get(id=payment.id).using_db(conn)
            return RefundStarted(payment=payment_record(payment), balance=balance, revoked=revoked)
    except _Refused as refused:
        return refused.refusal


class _Refused(Exception):
    """Leaves begin_refund's transaction, rolling back what it wrote, with the refusal to report."""

    def __init__(self, refusal: RefundRefused) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal


async def _payment_by_reference(conn: BaseDBAsyncClient, reference: str) -> Payment | None:
    key = _order_id(reference)
    query = Payment.filter(id=key) if key is not None else Payment.filter(external_id=reference[:128], method=PaymentMethod.STARS)
    return await query.using_db(conn).first()


async def _revoke_until_covered(conn: BaseDBAsyncClient, payment: Payment, balance: Decimal) -> tuple[Decimal, list[str]]:
    """Revoke the payment's purchase, then the buyer's purchases since it, newest first, while the
    balance is short of the payment's amount: each total is credited back (kind refund)."""
    candidates: list[Purchase] = []
    if payment.purchase_id is not None:  # type: ignore[attr-defined]
        own = await Purchase.get_or_none(id=payment.purchase_id, revoked_at=None).using_db(conn)  # type: ignore[attr-defined]
        if own is not None:
            candidates.append(own)
    since = payment.paid_at or payment.created_at
    candidates += await Purchase.filter(
        user_id=payment.user_id, revoked_at=None, created_at__gte=since, total__gt=0  # type: ignore[attr-defined]
    ).using_db(conn).exclude(id=payment.purchase_id).order_by("-created_at")  # type: ignore[attr-defined]
    revoked: list[str] = []
    now = datetime.now(UTC)
    for purchase in candidates:
        if balance >= payment.amount:
            break
        if not await Purchase.filter(id=purchase.id, revoked_at=None).using_db(conn).update(revoked_at=now):
            continue
        balance = await apply_credit(conn, purchase.user_id, purchase.total, kind=LedgerKind.REFUND, reason=purchase.item_title)  # type: ignore[attr-defined]
        revoked.append(str(purchase.id))
    return balance, revoked


async def finish_refund(order_id: str, *, refunded: bool) -> PaymentRecord | None:
    """Step two of a refund: the provider refunded (or had already): the payment is refunded. The
    provider refused: the credit goes back and the payment is paid again (revoked purchases stay
    revoked and credited, which leaves the buyer whole)."""
    key = _order_id(order_id)
    async with in_transaction() as conn:
        payment = await Payment.get_or_none(id=key).using_db(conn) if key is not None else None
        if payment is None:
            return None
        if refunded:
            await Payment.filter(id=key, status=PaymentStatus.REFUNDING).using_db(conn).update(
                status=PaymentStatus.REFUNDED, refunded_at=datetime.now(UTC)
            )
        elif await Payment.filter(id=key, status=PaymentStatus.REFUNDING).using_db(conn).update(status=PaymentStatus.PAID):
            await apply_credit(conn, payment.user_id, payment.amount, kind=LedgerKind.REVERSAL, reason=str(payment.id))  # type: ignore[attr-defined]
        return payment_record(await Payment.get(id=key).using_db(conn))


async def record_refunded(charge_id: str) -> RefundStarted | RefundRefused:
    """Telegram reports a Stars payment refunded (refunded_payment). A refund the shop began is
    finished; one made elsewhere (Telegram's support) takes the credit back now when the balance
    still holds it; if it does not, the payment is marked refunded all the same and the shortfall
    is reported (balance_spent) for the audit log."""
    async with in_transaction() as conn:
        payment = await Payment.filter(external_id=charge_id[:128], method=PaymentMethod.STARS).using_db(conn).first()
        if payment is None:
            return RefundRefused(reason="unknown")
        now = datetime.now(UTC)
        if payment.status == PaymentStatus.REFUNDED:
            return RefundRefused(reason="already_refunded", payment=payment_record(payment))
        if payment.status == PaymentStatus.REFUNDING:
            await Payment.filter(id=payment.id).using_db(conn).update(status=PaymentStatus.REFUNDED, refunded_at=now)
            payment = await Payment.get(id=payment.id).using_db(conn)
            user = await User.get(id=payment.user_id).using_db(conn)  # type: ignore[attr-defined]
            return RefundStarted(payment=payment_record(payment), balance=user.balance)
        user_id = payment.user_id  # type: ignore[attr-defined]
        await Payment.filter(id=payment.id).using_db(conn).update(status=PaymentStatus.REFUNDED, refunded_at=now)
        locked = await User.filter(id=user_id).using_db(conn).select_for_update(no_key=True).only("id", "balance").first()
        balance = locked.balance if locked is not None else Decimal(0)
        payment = await Payment.get(id=payment.id).using_db(conn)
        if balance < payment.amount:
            return RefundRefused(reason="balance_spent", payment=payment_record(payment), needed=payment.amount, balance=balance)
        balance = await apply_credit(conn, user_id, -payment.amount, kind=LedgerKind.REVERSAL, reason=str(payment.id))
        return RefundStarted(payment=payment_record(payment), balance=balance)
