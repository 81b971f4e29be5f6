"""The desk's refunds: the admin's `/refund`, the reconciler's recovery of interrupted refunds, and
Telegram's refunded_payment.

The ledger moves first, then Telegram is asked (see storage.refunds): a refund Telegram refuses is
undone in the ledger, one it cannot be asked about now stays refunding and the reconciler asks again.
`PaymentDesk` takes these methods from `Refunds`.
"""

import logging
from collections.abc import Callable

import trio

from storage import PaymentRecord, RefundRefused, RefundStarted, Store, UserRecord
from telegram.client import BotClient
from telegram.config import PaymentSettings
from telegram.errors import BadRequest, TelegramError
from telegram.payments.metrics import PAYMENTS
from telegram.texts import Texts
from telegram.types import RefundedPayment

log = logging.getLogger(__name__)


class RefundFailed(Exception):
    """Telegram refused the refund; the ledger is back where it was and the payment is paid again."""

    def __init__(self, payment: PaymentRecord, detail: str) -> None:
        super().__init__(detail)
        self.payment = payment


class RefundDeferred(Exception):
    """Telegram could not be reached: the credit stays taken back, the payment stays refunding, and
    the reconciler asks Telegram again until it answers."""

    def __init__(self, payment: PaymentRecord, detail: str) -> None:
        super().__init__(detail)
        self.payment = payment


class Refunds:
    """Refund methods of the payment desk; they use the desk's store, bot and texts."""

    store: Store
    bot: BotClient
    settings: PaymentSettings
    # Refunds this process is asking Telegram for right now: the reconciler leaves them alone.
    _refunding: set[str]
    # When this process first saw each unfinished refund (trio's clock).
    _refunding_since: dict[str, float]
    texts_for: Callable[[UserRecord], Texts]

    async def refund(self, reference: str, *, admin_id: int, revoke: bool = False) -> RefundStarted | RefundRefused:
        """Refund a Stars payment (by order id or charge id): the ledger first, then Telegram.
        Raises RefundFailed when Telegram refuses (the ledger is back where it was by then: the
        credit, revoked purchases and the referrer's reward restored), RefundDeferred when
        it cannot be reached (the reconciler finishes the refund later)."""
        started = await self.store.begin_refund(reference, revoke=revoke)
        if isinstance(started, RefundRefused):
            await self.store.record_event(
                "payment.refund_refused", actor_id=admin_id, target=reference[:128], detail=started.reason
            )
            return started
        payment = started.payment
        self._refunding.add(payment.id)  # at once: no other task runs between begin_refund and here
        try:
            await self.store.record_event(
                "payment.refund",
                actor_id=admin_id,
                target=payment.id,
                detail=f"{payment.amount} to user {payment.user_id}; revoked {', '.join(started.revoked) or 'none'}",
            )
            await self._ask_telegram_to_refund(payment)
        finally:
            self._refunding.discard(payment.id)
        await self._tell_refunded(started)
        return started

    async def _tell_refunded(self, started: RefundStarted) -> None:
        payment = started.payment
        user = await self.store.get_user(payment.user_id)
        if user is None:
            return
        t = self.texts_for(user)
        text = t("payment.refunded", amount=payment.amount, stars=payment.provider_amount, balance=started.balance)
        if started.revoked:
            text = "\n".join([text, t.n("payment.refunded_revoked", len(started.revoked))])
        try:
            await self.bot.send_message(user.id, text)
        except TelegramError as error:
            log.warning("refund of payment %s: could not tell user %s: %s", payment.id, user.id, error)

    async def _ask_telegram_to_refund(self, payment: PaymentRecord) -> None:
        assert payment.external_id is not None
        try:
            await self.bot.refund_star_payment(payment.user_id, payment.external_id)
        except BadRequest as error:
            if "CHARGE_ALREADY_REFUNDED" not in error.description:
                await self.store.finish_refund(payment.id, refunded=False)
                PAYMENTS.labels(payment.method, "refund_failed").inc()
                raise RefundFailed(payment, error.description) from error
        except TelegramError as error:
            PAYMENTS.labels(payment.method, "refund_deferred").inc()
            raise RefundDeferred(payment, str(error)) from error
        await self.store.finish_refund(payment.id, refunded=True)
        PAYMENTS.labels(payment.method, "refunded").inc()

    async def resume_refunds(self) -> int:
        """Finish the refunds a crash or an unreachable Telegram interrupted (the ledger was reversed,
        Telegram maybe not asked): asking again is safe, a second refund is reported as already done.
        The buyer is told once it is done. Returns how many were finished.

        A refund is taken up only once it has been seen refunding for a reconciler interval: one
        that another process is asking Telegram about right now is left to it (this process's own
        are in `_refunding`), so Telegram is not asked twice and the buyer not told twice."""
        now = trio.current_time()
        pending = await self.store.refunding_payments()
        self._refunding_since = {p.id: self._refunding_since.get(p.id, now) for p in pending}
        done = 0
        for payment in pending:
            if payment.id in self._refunding or now - self._refunding_since[payment.id] < self.settings.cryptopay_poll_interval:
                continue
            self._refunding.add(payment.id)
            try:
                await self._ask_telegram_to_refund(payment)
            except (RefundFailed, RefundDeferred) as error:
                log.warning("refund of payment %s not finished: %s", payment.id, error)
                continue
            finally:
                self._refunding.discard(payment.id)
            done += 1
            user = await self.store.get_user(payment.user_id)
            if user is not None:
                await self._tell_refunded(RefundStarted(payment=payment, balance=user.balance))
        return done

    async def refunded(self, notice: RefundedPayment) -> None:
        """Telegram's refunded_payment message: the refund is recorded (and, if it was made outside
        the shop, its credit taken back; a credit already spent is reported as a security event). A
        refund of a payment the shop has no record of (its own update has not been handled yet, or
        it was never the shop's) is a security event too: the staff see it if the payment arrives
        after it."""
        outcome = await self.store.record_refunded(notice.telegram_payment_charge_id)
        if isinstance(outcome, RefundRefused) and outcome.reason == "unknown":
            await self.store.record_event(
                "payment.refund_unknown",
                actor_id=None,
                target=notice.telegram_payment_charge_id[:128],
                detail=f"refunded_payment of {notice.total_amount} {notice.currency} for a payment the shop has not recorded",
                security=True,
            )
        if isinstance(outcome, RefundRefused) and outcome.reason == "balance_spent":
            await self.store.record_event(
                "payment.refund_unrecovered",
                actor_id=None,
                target=notice.telegram_payment_charge_id[:128],
                detail=f"refunded outside the shop; needed {outcome.needed}, balance {outcome.balance}",
                security=True,
            )
