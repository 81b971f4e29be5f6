"""The payment desk: the one place where orders meet providers and payments meet the ledger.

Screens open orders and answer pre-checkout queries through it; Telegram's successful_payment, the
CryptoPay webhook, the "Check payment" button and the reconciler's polling all settle through
`settle`, so a payment is credited and announced the same way whoever saw it first (the database
makes sure it is credited once: see storage.payments). Refunds go through it too, for the admin's
command and the reconciler's recovery.
"""

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from prometheus_client import Counter

from storage import (
    Delivered,
    ItemRecord,
    PaymentEvent,
    PaymentRecord,
    PaymentRejected,
    RefundRefused,
    RefundStarted,
    Settled,
    Store,
    UserRecord,
)
from telegram.client import BotClient
from telegram.config import PaymentSettings, ShopSettings
from telegram.cryptopay import CryptoInvoice, CryptoPayClient, CryptoPayError
from telegram.errors import BadRequest, TelegramError
from telegram.i18n import LANGUAGES, pick_language
from telegram.limits import cut
from telegram.payments.pricing import quote
from telegram.delivery import send_delivery
from telegram.texts import Texts
from telegram.types import LabeledPrice, PreCheckoutQuery, RefundedPayment, SuccessfulPayment

log = logging.getLogger(__name__)

PAYMENTS = Counter("shopkeeper_payments_total", "Payment events, by method and outcome", ["method", "outcome"])

# Telegram's limits on an invoice's texts, in UTF-16 code units (telegram.limits).
TITLE_MAX = 32
DESCRIPTION_MAX = 255
# Why a pre-checkout query was refused, as the buyer reads it in Telegram's payment form.
REFUSAL_TEXT = {
    "unknown": "payment.refused.unknown",
    "not_pending": "payment.refused.not_pending",
    "expired": "payment.refused.expired",
    "amount": "payment.refused.amount",
    "blocked": "payment.refused.blocked",
    "sold_out": "payment.refused.sold_out",
    "item_gone": "payment.refused.item_gone",
    "price_changed": "payment.refused.price_changed",
}
# A provider may report a payment this long after its order expired; the reconciler still asks.
LATE_WINDOW = timedelta(days=2)


class Opened:
    """An order whose invoice is out: a Telegram invoice message was sent, or (CryptoPay) the buyer
    pays at `pay_url`."""

    __slots__ = ("pay_url", "payment")

    def __init__(self, payment: PaymentRecord, pay_url: str | None = None) -> None:
        self.payment = payment
        self.pay_url = pay_url


class ProviderFailed(Exception):
    """The payment provider could not be reached or refused the call; `method` names it."""

    def __init__(self, method: str, detail: str) -> None:
        super().__init__(f"{method}: {detail}")
        self.method = method


class RefundFailed(Exception):
    """Telegram refused the refund; the credit was given back and the payment is paid again."""

    def __init__(self, payment: PaymentRecord, detail: str) -> None:
        super().__init__(detail)
        self.payment = payment


class RefundDeferred(Exception):
    """Telegram could not be reached: the credit stays taken back, the payment stays refunding, and
    the reconciler asks Telegram again until it answers."""

    def __init__(self, payment: PaymentRecord, detail: str) -> None:
        super().__init__(detail)
        self.payment = payment


class PaymentDesk:
    def __init__(
        self,
        store: Store,
        bot: BotClient,
        shop: ShopSettings,
        settings: PaymentSettings,
        cryptopay: CryptoPayClient | None = None,
    ) -> None:
        self.store = store
        self.bot = bot
        self.shop = shop
        self.settings = settings
        self.cryptopay = cryptopay if settings.cryptopay_token else None
        self.texts = {language: Texts(shop, language) for language in LANGUAGES}
        # Refunds this process is asking Telegram for right now: the reconciler leaves them alone.
        self._refunding: set[str] = set()

    @property
    def methods(self) -> list[str]:
        methods = self.settings.methods()
        return [m for m in methods if m != "cryptopay" or self.cryptopay is not None]

    def price(self, method: str, amount: Decimal) -> tuple[str, int]:
        """(currency, smallest units) that `method` charges for `amount` of the shop's currency."""
        return quote(method, amount, self.shop.currency, self.settings)

    def texts_for(self, user: UserRecord) -> Texts:
        return self.texts[pick_language(user.language, user.language_code, self.shop.default_language)]

    async def open(
        self,
        user: UserRecord,
        t: Texts,
        method: str,
        amount: Decimal,
        *,
        item: ItemRecord | None = None,
        quantity: int = 1,
        promo_code: str | None = None,
    ) -> Opened | object:
        """Open an order and put its invoice out (a Telegram invoice in the user's chat, or a CryptoPay
        invoice). Returns Opened, or storage's refusal of a direct purchase (ItemUnavailable,
        SoldOut, PriceChanged, PromoRejected). Raises ProviderFailed when the provider refuses."""
        currency, provider_amount = self.price(method, amount)
        opened = await self.store.open_order(
            user.id, method, amount, currency=currency, provider_amount=provider_amount,
            ttl=timedelta(seconds=self.settings.order_ttl), item_id=item.id if item else None, quantity=quantity,
            promo_code=promo_code,
        )
        if not isinstance(opened, PaymentRecord):
            return opened
        PAYMENTS.labels(method, "opened").inc()
        if item is not None:
            title = item.title
            description = t.plain("payment.invoice.item", title=item.title, quantity=quantity, amount=amount)
        else:
            title = t.plain("payment.invoice.topup_title", amount=amount)
            description = t.plain("payment.invoice.topup", amount=amount)
        if method == "cryptopay":
            return Opened(opened, await self._crypto_invoice(opened, description))
        try:
            await self.bot.send_invoice(
                user.id, _cut(title, TITLE_MAX), _cut(description, DESCRIPTION_MAX), opened.id, currency,
                [LabeledPrice(label=_cut(title, TITLE_MAX), amount=provider_amount)],
                provider_token=self.settings.provider_token if method == "fiat" else "",
            )
        except BadRequest as error:
            raise ProviderFailed(method, error.description) from error
        return Opened(opened)

    async def _crypto_invoice(self, order: PaymentRecord, description: str) -> str:
        assert self.cryptopay is not None
        try:
            invoice = await self.cryptopay.create_invoice(
                amount=order.amount, fiat=self.shop.currency, accepted_assets=self.settings.cryptopay_assets,
                description=_cut(description, 1024), payload=order.id, expires_in=self.settings.order_ttl,
            )
        except CryptoPayError as error:
            raise ProviderFailed("cryptopay", str(error)) from error
        await self.store.attach_invoice(order.id, str(invoice.invoice_id), invoice.bot_invoice_url)
        return invoice.bot_invoice_url

    async def answer_pre_checkout(self, query: PreCheckoutQuery, t: Texts) -> bool:
        """Let Telegram take the payment, or refuse it with the reason in the user's language."""
        reason = await self.store.pre_checkout(query.invoice_payload, query.from_.id, query.currency, query.total_amount)
        method = "stars" if query.currency == "XTR" else "fiat"
        if reason is None:
            PAYMENTS.labels(method, "pre_checkout_ok").inc()
            await self.bot.answer_pre_checkout_query(query.id, True)
            return True
        PAYMENTS.labels(method, "pre_checkout_refused").inc()
        log.info("pre-checkout %s of user %s refused: %s", query.invoice_payload[:64], query.from_.id, reason)
        await self.bot.answer_pre_checkout_query(query.id, False, t.plain(REFUSAL_TEXT[reason]))
        return False

    async def telegram_paid(self, payment: SuccessfulPayment) -> Settled | PaymentRejected:
        """A successful_payment message: Stars or a card through Telegram."""
        event = PaymentEvent(
            method="stars" if payment.currency == "XTR" else "fiat",
            order_id=payment.invoice_payload,
            external_id=payment.telegram_payment_charge_id,
            currency=payment.currency,
            provider_amount=payment.total_amount,
            provider_charge_id=payment.provider_payment_charge_id or None,
        )
        return await self.settle(event)

    async def crypto_paid(self, invoice: CryptoInvoice) -> Settled | PaymentRejected | None:
        """A CryptoPay invoice as the webhook or getInvoices reports it; None while it is not paid."""
        if invoice.status != "paid":
            return None
        event = PaymentEvent(
            method="cryptopay",
            order_id=invoice.payload,
            external_id=str(invoice.invoice_id),
            currency=invoice.fiat or "",
            provider_amount=quote("cryptopay", invoice.amount, invoice.fiat or self.shop.currency, self.settings)[1],
        )
        return await self.settle(event)

    async def settle(self, event: PaymentEvent) -> Settled | PaymentRejected:
        """Credit the payment (once: a repeat changes nothing) and tell its payer."""
        outcome = await self.store.settle_payment(event, self.shop.referral_terms())
        if isinstance(outcome, PaymentRejected):
            PAYMENTS.labels(event.method, "rejected").inc()
            await self.store.record_event(
                "payment.rejected", actor_id=None, target=event.order_id,
                detail=f"{outcome.reason}: {event.method} {event.external_id} {event.provider_amount} {event.currency}",
                security=True,
            )
            log.warning("payment %s %s rejected: %s", event.method, event.external_id[:64], outcome.reason)
            return outcome
        if outcome.repeated:
            PAYMENTS.labels(event.method, "repeated").inc()
            return outcome
        PAYMENTS.labels(event.method, "late" if outcome.late else "credited").inc()
        await self.announce(outcome)
        return outcome

    async def announce(self, settled: Settled) -> None:
        """Tell the payer: credited (late, when the order had expired), or the item delivered, or why
        the item could not be bought with the payment (it stays on the balance)."""
        t = self.texts_for(settled.user)
        chat_id = settled.user.id
        payment = settled.payment
        try:
            if isinstance(settled.purchase, Delivered):
                try:
                    await self.bot.send_message(chat_id, t("payment.paid_item", amount=payment.amount))
                except TelegramError as error:  # the goods never wait on the words before them
                    log.warning("payment %s: could not tell user %s: %s", payment.id, chat_id, error)
                await send_delivery(self.bot, self.store, chat_id, t, settled.purchase)
            elif settled.purchase is not None:
                await self.bot.send_message(
                    chat_id, t("payment.item_failed", amount=payment.amount, balance=settled.balance)
                )
            else:
                key = "payment.credited_late" if settled.late else "payment.credited"
                await self.bot.send_message(chat_id, t(key, amount=payment.amount, balance=settled.balance))
        except TelegramError as error:
            # The money is credited; the buyer sees it in the profile even if this message is lost.
            log.warning("payment %s: could not tell user %s: %s", payment.id, chat_id, error)

    async def check(self, payment: PaymentRecord) -> Settled | PaymentRejected | None:
        """Ask CryptoPay about one order's invoice ("Check payment"); None while it is unpaid."""
        if self.cryptopay is None or payment.method != "cryptopay" or payment.external_id is None:
            return None
        try:
            invoices = await self.cryptopay.get_invoices([int(payment.external_id)])
        except CryptoPayError as error:
            raise ProviderFailed("cryptopay", str(error)) from error
        for invoice in invoices:
            return await self.crypto_paid(invoice)
        return None

    async def poll_cryptopay(self) -> int:
        """Settle every CryptoPay invoice paid since the last look (pending orders, and orders that
        expired lately: a payment that still arrives is credited); returns how many were new."""
        if self.cryptopay is None:
            return 0
        orders = await self.store.open_invoices("cryptopay", since=datetime.now(UTC) - LATE_WINDOW)
        ids = [int(order.external_id) for order in orders if order.external_id and order.external_id.isdigit()]
        if not ids:
            return 0
        try:
            invoices = await self.cryptopay.get_invoices(ids)
        except CryptoPayError as error:
            raise ProviderFailed("cryptopay", str(error)) from error
        credited = 0
        for invoice in invoices:
            outcome = await self.crypto_paid(invoice)
            credited += isinstance(outcome, Settled) and not outcome.repeated
        return credited

    async def expire(self) -> Sequence[PaymentRecord]:
        """Expire the orders whose time is up (their invoices can no longer be paid through the shop's
        pre-checkout; CryptoPay's expire on their own)."""
        expired = await self.store.expire_orders()
        for payment in expired:
            PAYMENTS.labels(payment.method, "expired").inc()
        return expired

    async def refund(self, reference: str, *, admin_id: int, revoke: bool = False) -> RefundStarted | RefundRefused:
        """Refund a Stars payment (by order id or charge id): the ledger first, then Telegram.
        Raises RefundFailed when Telegram refuses (the credit is back by then), RefundDeferred when
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
                "payment.refund", actor_id=admin_id, target=payment.id,
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
        The buyer is told once it is done. Returns how many were finished."""
        done = 0
        for payment in await self.store.refunding_payments():
            if payment.id in self._refunding:
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
        the shop, its credit taken back; a credit already spent is reported as a security event)."""
        outcome = await self.store.record_refunded(notice.telegram_payment_charge_id)
        if isinstance(outcome, RefundRefused) and outcome.reason == "balance_spent":
            await self.store.record_event(
                "payment.refund_unrecovered", actor_id=None, target=notice.telegram_payment_charge_id[:128],
                detail=f"refunded outside the shop; needed {outcome.needed}, balance {outcome.balance}", security=True,
            )


def _cut(text: str, limit: int) -> str:
    """`text` within `limit` as Telegram counts it (UTF-16 code units: an emoji can count twice)."""
    return cut(text, limit)
