"""Telegram's record of the bot's Stars transactions against the shop's payments.

A Stars payment is credited when its successful_payment update is handled. If that update never
arrives, or arrives and is lost, Telegram still lists the payment in getStarTransactions: the
reconciler reads the transactions it has not seen yet (oldest first, a page at a time, from the offset
kept in the database) and settles every incoming invoice payment through the desk's one settle path,
so a payment already credited stays credited once (the unique charge id) and one that never was is
credited and its buyer told. A refund listed there is recorded like Telegram's refunded_payment.
"""

from storage import PaymentEvent, PaymentMethod, Settled, StorageBusy, StorageError, StorageUnavailable
from telegram.errors import TelegramError
from telegram.payments.desk import PaymentDesk, ProviderFailed
from telegram.types import RefundedPayment, StarTransaction

# getStarTransactions answers at most 100 a call; a round reads at most this many pages, so a long
# history (the first round of a shop that had sold before) is caught up over several rounds.
PAGE = 100
PAGES_PER_ROUND = 10
# A transaction the store keeps refusing (not an unreachable or busy database: a row it cannot take) holds the
# offset for this many rounds, then is passed over and reported to the staff as a security event, so
# one bad transaction does not stop every later payment from being reconciled.
ATTEMPTS = 3
ATTEMPTS_SECONDS = 86_400.0


async def reconcile_stars(desk: PaymentDesk) -> int:
    """Compare the Stars transactions made since the last look with the shop's payments (see the
    module docstring); returns how many payments were credited now. Raises ProviderFailed when
    Telegram cannot be asked: the offset stays where it was, and the next round reads from there."""
    if "stars" not in desk.methods:
        return 0
    offset = await desk.store.star_offset()
    credited = 0
    for _ in range(PAGES_PER_ROUND):
        try:
            page = (await desk.bot.get_star_transactions(offset=offset, limit=PAGE)).transactions
        except TelegramError as error:
            raise ProviderFailed("stars", str(error)) from error
        for transaction in page:
            try:
                credited += await _reconcile(desk, transaction)
            # Not the transaction's fault: the round stops and the next one tries it again, uncounted.
            # A conflict still counts: one that never clears is a bug that must not hold the offset.
            except (StorageUnavailable, StorageBusy):
                raise
            except StorageError as error:
                if not await _pass_over(desk, transaction, error):
                    raise
        if page:
            offset = await desk.store.advance_star_offset(offset + len(page))
        if len(page) < PAGE:
            break
    return credited


async def _reconcile(desk: PaymentDesk, transaction: StarTransaction) -> bool:
    """Settle an incoming invoice payment, record a refund of one; anything else is not the shop's."""
    partner = transaction.source if transaction.source is not None else transaction.receiver
    if partner is None or (partner.type, partner.transaction_type) != ("user", "invoice_payment"):
        return False
    if partner.invoice_payload is None:
        return False
    if transaction.receiver is not None:
        await desk.refunded(
            RefundedPayment(
                currency="XTR",
                total_amount=transaction.amount,
                invoice_payload=partner.invoice_payload,
                telegram_payment_charge_id=transaction.id,
            )
        )
        return False
    outcome = await desk.settle(
        PaymentEvent(
            method=PaymentMethod.STARS,
            order_id=partner.invoice_payload,
            external_id=transaction.id,
            currency="XTR",
            provider_amount=transaction.amount,
        )
    )
    return isinstance(outcome, Settled) and not outcome.repeated


async def _pass_over(desk: PaymentDesk, transaction: StarTransaction, error: StorageError) -> bool:
    """Count a failure of `transaction`; True (and the staff told through the audit log) once it has
    failed ATTEMPTS rounds: the offset then moves past it."""
    key = f"stars-failing:{transaction.id[:128]}"
    failures = int(await desk.store.kv.get(key) or 0) + 1
    await desk.store.kv.set(key, str(failures), ttl=ATTEMPTS_SECONDS)
    if failures < ATTEMPTS:
        return False
    await desk.store.record_event(
        "payment.reconcile_failed",
        actor_id=None,
        target=transaction.id[:128],
        detail=f"Stars transaction of {transaction.amount} ⭐ passed over after {failures} failed rounds: {error}"[:1000],
        security=True,
    )
    return True
