"""The payment reconciler: the actor that owns every payment still in flight.

Every `cryptopay_poll_interval` seconds (and first thing on start) it
- finishes the refunds a crash or an unreachable Telegram interrupted (the ledger was reversed,
  Telegram not yet asked);
- expires the orders whose time is up;
- compares Telegram's record of the bot's Stars transactions (getStarTransactions, read onward from
  where the last round stopped) with the shop's payments: a Stars payment whose successful_payment
  update never arrived, or was lost, is credited once and its buyer told;
- asks CryptoPay about every open invoice: a payment made while the shop was down, or without a public
  webhook URL, is credited, and a late one (after its order expired) is still credited and announced;
- tells the buyers nobody told of payments settled before the previous round began (a crash between
  crediting and telling, or a message Telegram could not take): the goods of a direct purchase are
  sent then. The previous round's start is the grace a settler has to tell its buyer itself; the first
  round after a start takes everything settled before the start.

Crediting and telling go through the payment desk, like the webhook and the chat, so the database's
guarantees (one credit per payment, one announcement) hold whoever sees a payment first.
"""

import logging
from datetime import UTC, datetime
from functools import partial
from typing import NoReturn

import trio
from prometheus_client import Counter

from telegram.config import PaymentSettings
from telegram.payments import PaymentDesk, ProviderFailed, reconcile_stars

log = logging.getLogger(__name__)

ROUNDS = Counter("shopkeeper_reconciler_rounds_total", "Reconciler rounds, by outcome", ["outcome"])


class PaymentReconciler:
    def __init__(self, desk: PaymentDesk, settings: PaymentSettings) -> None:
        self.desk = desk
        self.interval = settings.cryptopay_poll_interval
        self._previous_round: datetime | None = None

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> NoReturn:
        self._previous_round = datetime.now(UTC)
        task_status.started()
        while True:
            await self.round()
            await trio.sleep(self.interval)

    async def round(self) -> None:
        """One round (see the module docstring). A provider that cannot be reached costs its own part
        of this round only; the database's failures restart the actor."""
        started = datetime.now(UTC)
        settled_before, self._previous_round = self._previous_round or started, started
        resumed = await self.desk.resume_refunds()
        if resumed:
            log.info("finished %d interrupted refunds", resumed)
        expired = await self.desk.expire()
        failed = False
        credited = 0
        for provider, reconcile in (("Stars", partial(reconcile_stars, self.desk)), ("CryptoPay", self.desk.poll_cryptopay)):
            try:
                credited += await reconcile()
            except ProviderFailed as error:
                failed = True
                log.warning("%s reconciliation failed: %s", provider, error)
        told = await self.desk.finish_untold(settled_before)
        ROUNDS.labels("provider_failed" if failed else "ok").inc()
        if expired or credited or told:
            log.info(
                "payments: %d orders expired, %d payments credited, %d buyers told late", len(expired), credited, told
            )
