"""The payment reconciler: the actor that owns every payment still in flight.

Every `cryptopay_poll_interval` seconds (and first thing on start) it finishes the refunds a crash
or an unreachable Telegram interrupted (the ledger was reversed, Telegram not yet asked), expires the
orders whose time is up and asks CryptoPay about every open invoice: a payment made while the shop
was down, or without a public webhook URL, is credited, and a late one (after its order expired) is
still credited and announced. Stars and card payments need no polling: their
successful_payment updates wait in the update inbox until handled, crash or not.

Crediting goes through the payment desk, like the webhook and the chat, so the database's guarantees
(one credit per payment) hold whoever sees a payment first.
"""

import logging
from typing import NoReturn

import trio
from prometheus_client import Counter

from telegram.config import PaymentSettings
from telegram.payments import PaymentDesk, ProviderFailed

log = logging.getLogger(__name__)

ROUNDS = Counter("shopkeeper_reconciler_rounds_total", "Reconciler rounds, by outcome", ["outcome"])


class PaymentReconciler:
    def __init__(self, desk: PaymentDesk, settings: PaymentSettings) -> None:
        self.desk = desk
        self.interval = settings.cryptopay_poll_interval

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> NoReturn:
        task_status.started()
        while True:
            await self.round()
            await trio.sleep(self.interval)

    async def round(self) -> None:
        """Finish interrupted refunds, expire what is due, then credit what CryptoPay says was paid.
        A provider that cannot be reached costs this round's call only; the database's failures
        restart the actor."""
        resumed = await self.desk.resume_refunds()
        if resumed:
            log.info("finished %d interrupted refunds", resumed)
        expired = await self.desk.expire()
        try:
            credited = await self.desk.poll_cryptopay()
        except ProviderFailed as error:
            ROUNDS.labels("provider_failed").inc()
            log.warning("CryptoPay poll failed: %s", error)
            return
        ROUNDS.labels("ok").inc()
        if expired or credited:
            log.info("payments: %d orders expired, %d CryptoPay payments credited", len(expired), credited)
