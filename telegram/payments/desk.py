"""The payment desk: the one place where orders meet providers and payments meet the ledger.

Screens open orders and answer pre-checkout queries through it; Telegram's successful_payment, the
CryptoPay webhook, the "Check payment" button and the reconciler's polling all settle through
`settle`, so a payment is credited and announced the same way whoever saw it first (the database
makes sure it is credited once, and its payer told once: see storage.settlement and storage.notices).
Telling the payer is telegram.payments.telling. Refunds go through it too (telegram.payments.refunds),
for the admin's command and the reconciler's recovery, and the reconciler compares Telegram's record
of Stars payments with the shop's through it (telegram.payments.stars).

Every message that tells of money received carries buttons onward; a Stars payment that bought an
order turns that order's confirmation screen into its receipt (both drawn by the screens: see
telegram.payments.receipts).
"""

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import msgspec

from storage import (
    InvoiceLimit,
    ItemRecord,
    PaymentEvent,
    PaymentMethod,
    PaymentRecord,
    PaymentRejected,
    Settled,
    Store,
    UserRecord,
)
from telegram.client import BotClient
from telegram.config import PaymentSettings, ShopSettings
from telegram.cryptopay import CryptoInvoice, CryptoPayClient, CryptoPayError
from telegram.errors import BadRequest
from telegram.i18n import LANGUAGES, pick_language
from telegram.limits import cut
from telegram.payments.metrics import PAYMENTS
from telegram.payments.pricing import quote
from telegram.payments.receipts import Receipts
from telegram.payments.refunds import Refunds
from telegram.payments.telling import LATE_WINDOW, Telling
from telegram.texts import Texts
from telegram.types import LabeledPrice, PreCheckoutQuery, SuccessfulPayment

log = logging.getLogger(__name__)

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
    "already_paid": "payment.refused.already_paid",
}
# A CryptoPay invoice the buyer holds is shown again, instead of a new one, while at least this share
# of an order's lifetime is left to pay it.
REUSABLE_SHARE = 0.5


class Opened:
    """An order whose invoice is out: a Telegram invoice message was sent, or (CryptoPay) the buyer
    pays at `pay_url`."""

    __slots__ = ("pay_url", "payment")

    def __init__(self, payment: PaymentRecord, pay_url: str | None = None) -> None:
        self.payment = payment
        self.pay_url = pay_url


class CheckTooSoon(msgspec.Struct, frozen=True):
    """CryptoPay was asked about this buyer's payment less than `cryptopay_check_interval` ago
    (from any process, through the key-value store): it is not asked again yet."""


class ProviderFailed(Exception):
    """The payment provider could not be reached or refused the call; `method` names it."""

    def __init__(self, method: str, detail: str) -> None:
        super().__init__(f"{method}: {detail}")
        self.method = method


class PaymentDesk(Refunds, Telling):
    def __init__(
        self,
        store: Store,
        bot: BotClient,
        shop: ShopSettings,
        settings: PaymentSettings,
        cryptopay: CryptoPayClient | None = None,
        *,
        receipts: Receipts,
    ) -> None:
        self.store = store
        self.bot = bot
        self.shop = shop
        self.settings = settings
        self.receipts = receipts
        self.cryptopay = cryptopay if settings.cryptopay_token else None
        self.texts = {language: Texts(shop, language) for language in LANGUAGES}
        # Refunds this process is asking Telegram for right now: the reconciler leaves them alone.
        self._refunding: set[str] = set()
        self._refunding_since: dict[str, float] = {}

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
        purchase_key: str | None = None,
        screen_id: int | None = None,
    ) -> Opened | object:
        """Open an order and put its invoice out (a Telegram invoice in the user's chat, or a CryptoPay
        invoice). Returns Opened, or storage's refusal of a direct purchase (ItemUnavailable,
        SoldOut, PriceChanged, PromoRejected). Raises ProviderFailed when the provider refuses.

        A direct purchase paid from a confirmation screen (message `screen_id`) buys with that
        screen's `purchase_key`; when the key has bought already, no order is opened and the
        purchase is returned (Delivered, `repeated`: see storage.orders.open_order).

        CryptoPay: the buyer's unpaid invoice for the same order (amount, item, quantity, promo code)
        is shown again while it has REUSABLE_SHARE of its time left, with no new invoice; a buyer
        who holds `cryptopay_open_invoices` unpaid invoices gets InvoiceLimit instead of another."""
        currency, provider_amount = self.price(method, amount)
        if method == "cryptopay":
            held = await self.store.crypto_invoice_for(
                user.id,
                amount,
                currency=currency,
                provider_amount=provider_amount,
                item_id=item.id if item else None,
                quantity=quantity,
                promo_code=promo_code,
                limit=self.settings.cryptopay_open_invoices,
                payable_until=datetime.now(UTC) + timedelta(seconds=self.settings.order_ttl * REUSABLE_SHARE),
            )
            if isinstance(held, PaymentRecord):
                PAYMENTS.labels(method, "reused").inc()
                return Opened(held, held.pay_url)
            if isinstance(held, InvoiceLimit):
                PAYMENTS.labels(method, "limited").inc()
                return held
        opened = await self.store.open_order(
            user.id,
            method,
            amount,
            currency=currency,
            provider_amount=provider_amount,
            ttl=timedelta(seconds=self.settings.order_ttl),
            item_id=item.id if item else None,
            quantity=quantity,
            promo_code=promo_code,
            purchase_key=purchase_key,
            screen_id=screen_id,
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
                user.id,
                _cut(title, TITLE_MAX),
                _cut(description, DESCRIPTION_MAX),
                opened.id,
                currency,
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
                amount=order.amount,
                fiat=self.shop.currency,
                accepted_assets=self.settings.cryptopay_assets,
                description=_cut(description, 1024),
                payload=order.id,
                expires_in=self.settings.order_ttl,
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
            method=PaymentMethod.STARS if payment.currency == "XTR" else PaymentMethod.FIAT,
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
            method=PaymentMethod.CRYPTOPAY,
            order_id=invoice.payload,
            external_id=str(invoice.invoice_id),
            currency=invoice.fiat or "",
            provider_amount=quote("cryptopay", invoice.amount, invoice.fiat or self.shop.currency, self.settings)[1],
        )
        return await self.settle(event)

    async def settle(self, event: PaymentEvent) -> Settled | PaymentRejected:
        """Credit the payment (once: a repeat credits nothing) and tell its payer (once: a repeat tells
        only a payer nobody told yet, see `tell`)."""
        outcome = await self.store.settle_payment(event, self.shop.referral_terms())
        if isinstance(outcome, PaymentRejected):
            PAYMENTS.labels(event.method, "rejected").inc()
            await self.store.record_event(
                "payment.rejected",
                actor_id=None,
                target=event.order_id,
                detail=f"{outcome.reason}: {event.method} {event.external_id} {event.provider_amount} {event.currency}",
                security=True,
            )
            log.warning("payment %s %s rejected: %s", event.method, event.external_id[:64], outcome.reason)
            return outcome
        PAYMENTS.labels(event.method, "repeated" if outcome.repeated else "late" if outcome.late else "credited").inc()
        # A repeat whose payer was never told (a crash right after crediting) tells them now, with the
        # goods of a direct purchase read again.
        await self.tell(outcome.payment.id, None if outcome.repeated else outcome)
        return outcome

    async def check(self, payment: PaymentRecord) -> Settled | PaymentRejected | CheckTooSoon | None:
        """Ask CryptoPay about one order's invoice ("Check payment"); None while it is unpaid,
        CheckTooSoon when its buyer had CryptoPay asked less than `cryptopay_check_interval` ago."""
        if self.cryptopay is None or payment.method != "cryptopay" or payment.external_id is None:
            return None
        interval = self.settings.cryptopay_check_interval
        if interval and not await self.store.kv.set_if_absent(f"cryptopay-check:{payment.user_id}", "1", ttl=interval):
            PAYMENTS.labels("cryptopay", "check_too_soon").inc()
            return CheckTooSoon()
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


def _cut(text: str, limit: int) -> str:
    """`text` within `limit` as Telegram counts it (UTF-16 code units: an emoji can count twice)."""
    return cut(text, limit)
