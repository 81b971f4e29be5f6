"""The desk's telling: a payer told once of a settled payment (the goods of a direct purchase sent,
its order's screen made the receipt), whoever settled it, and the reconciler's late telling of payers
nobody told. `PaymentDesk` takes these methods from `Telling`.

Telling is claimed in the database first (storage.notices), so two settlers, or a replayed update and
the reconciler, tell once; a message Telegram cannot take now gives the claim back for a later try.
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from storage import AlreadyBought, Delivered, PaymentRecord, Settled, Step, StorageError, Store, UserRecord
from telegram.client import BotClient
from telegram.delivery import send_delivery
from telegram.errors import BadRequest, Forbidden, TelegramError
from telegram.payments.receipts import Receipts
from telegram.texts import Texts

log = logging.getLogger(__name__)

# A provider may report a payment this long after its order expired; the reconciler still asks, and
# tells the payers of payments settled within it whom nobody told.
LATE_WINDOW = timedelta(days=2)


class Telling:
    """Telling methods of the payment desk; they use the desk's store, bot, texts and receipts."""

    store: Store
    bot: BotClient
    receipts: Receipts
    texts_for: Callable[[UserRecord], Texts]

    async def tell(self, order_id: str, settled: Settled | None = None) -> bool:
        """Tell the payer of a settled payment, once (see storage.notices): claim it, tell them
        (`settled`, or the payment as the store has it now, goods read again), record it told.

        Error handling: a message Telegram cannot take now (network, 5xx, flood) gives the claim up,
        so the next settler or the reconciler tries again; one it refuses for good (the buyer
        blocked the bot, a bad request) counts as told, since asking again cannot help: the buyer
        finds the payment and the goods in their profile. Returns whether this call told them."""
        if not await self.store.claim_notice(order_id):
            return False
        if settled is None:
            settled = await self.store.payment_notice(order_id)
        if settled is None:  # no longer paid: a refund began meanwhile
            await self.store.release_notice(order_id)
            return False
        try:
            await self.announce(settled)
        except (Forbidden, BadRequest) as error:
            log.warning("payment %s: user %s cannot be told, given up: %s", order_id, settled.user.id, error)
        except TelegramError as error:
            await self.store.release_notice(order_id)
            log.warning("payment %s: could not tell user %s, will try again: %s", order_id, settled.user.id, error)
            return False
        await self.store.notice_sent(order_id)
        return True

    async def finish_untold(self, settled_before: datetime) -> int:
        """Tell the payers nobody told of payments settled before `settled_before` (and since
        LATE_WINDOW): a crash came between crediting and telling, or telling failed. Returns how
        many were told."""
        told = 0
        for order_id in await self.store.untold_payments(settled_before, since=datetime.now(UTC) - LATE_WINDOW):
            try:
                told += await self.tell(order_id)
            except StorageError as error:
                # One payment that cannot be told now (its goods cannot be read) keeps no one else waiting.
                log.warning("payment %s: its payer could not be told: %s", order_id, error)
        return told

    async def announce(self, settled: Settled) -> None:
        """Tell the payer: credited (late, when the order had expired), or the item delivered and its
        order's screen made the receipt, or why the item was not bought with the payment (it stays on
        the balance). Raises TelegramError when a message could not be sent."""
        t = self.texts_for(settled.user)
        chat_id = settled.user.id
        payment = settled.payment
        onward = self.receipts.onward(t)
        if isinstance(settled.purchase, Delivered):
            try:
                await self.bot.send_message(chat_id, t("payment.paid_item", amount=payment.amount))
            except TelegramError as error:  # the goods never wait on the words before them
                log.warning("payment %s: could not tell user %s: %s", payment.id, chat_id, error)
            await send_delivery(self.bot, self.store, chat_id, t, settled.purchase)
            await self._show_receipt(payment, t, settled.purchase)
            # The funnel's "paid" (the dashboard), as a purchase by balance notes it.
            await self.store.reach(chat_id, Step.PAID)
        elif isinstance(settled.purchase, AlreadyBought):
            text = t("payment.already_bought", amount=payment.amount, balance=settled.balance)
            await self.bot.send_message(chat_id, text, reply_markup=onward)
        elif settled.purchase is not None:
            text = t("payment.item_failed", amount=payment.amount, balance=settled.balance)
            await self.bot.send_message(chat_id, text, reply_markup=onward)
        else:
            key = "payment.credited_late" if settled.late else "payment.credited"
            await self.bot.send_message(chat_id, t(key, amount=payment.amount, balance=settled.balance), reply_markup=onward)

    async def _show_receipt(self, payment: PaymentRecord, t: Texts, delivered: Delivered) -> None:
        """Turn the order's confirmation screen into its receipt, so its Confirm and Pay buttons are
        gone (pressed anyway, they answer "already paid"); an order with no screen that can still be
        edited gets the receipt as a new message. The goods were sent: a failure here only costs the
        buttons onward, so it is logged, not raised (telling again would send the goods again)."""
        text, markup = self.receipts.receipt(t, delivered)
        try:
            if payment.screen_id is not None:
                try:
                    await self.bot.edit_message_text(payment.user_id, payment.screen_id, text, reply_markup=markup)
                    return
                except BadRequest as error:  # the screen was deleted meanwhile
                    log.info("payment %s: screen %s not edited: %s", payment.id, payment.screen_id, error)
            await self.bot.send_message(payment.user_id, text, reply_markup=markup)
        except TelegramError as error:
            log.warning("payment %s: no receipt for user %s: %s", payment.id, payment.user_id, error)
