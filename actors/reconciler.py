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

Each part stands alone: a provider out of reach, or a database error in one part, costs only that part
of the round (a Stars transaction the store keeps refusing is passed over after a few rounds and
reported as a security event), so one payment that keeps failing never holds up the others.

Crediting and telling go through the payment desk, like the webhook and the chat, so the database's
guarantees (one credit per payment, one announcement) hold whoever sees a payment first.
"""

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import NoReturn

import trio
from prometheus_client import Counter

from storage import PaymentRecord, StorageError
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
        """One round (see the module docstring). Each part stands alone: a provider that cannot be
        reached, or a database error in one part, costs that part of this round only, so one payment
        that keeps failing never stops the others from being reconciled."""
        started = datetime.now(UTC)
        settled_before, self._previous_round = self._previous_round or started, started
        resumed, ok_refunds = await _part("refunds", self.desk.resume_refunds, 0)
        if resumed:
            log.info("finished %d interrupted refunds", resumed)
        none_expired: Sequence[PaymentRecord] = ()
        expired, ok_expiry = await _part("expiry", self.desk.expire, none_expired)
        credited, ok_stars = await _part("Stars", partial(reconcile_stars, self.desk), 0)
        crypto, ok_crypto = await _part("CryptoPay", self.desk.poll_cryptopay, 0)
        told, ok_told = await _part("telling", partial(self.desk.finish_untold, settled_before), 0)
        ROUNDS.labels("ok" if ok_refunds and ok_expiry and ok_stars and ok_crypto and ok_told else "part_failed").inc()
        if expired or credited or crypto or told:
            log.info(
                "payments: %d orders expired, %d payments credited, %d buyers told late", len(expired), credited + crypto, told
            )


async def _part[T](name: str, part: Callable[[], Awaitable[T]], nothing: T) -> tuple[T, bool]:
    """Run one part of a round: its result and True, or `nothing` and False when it failed."""
    try:
        return await part(), True
    except (ProviderFailed, StorageError) as error:
        log.warning("reconciler: %s failed this round: %s", name, error)
        return nothing, False
