"""Singletons: work that runs in one shop process at a time (the broadcaster, the payment reconciler
with its CryptoPay polling, the housekeeper, the staff notifier), whatever number of processes share
the database.

`Singleton.run` waits until this process holds the work's lease (storage.leases), runs the work while
it holds it, and renews it every third of `storage.lease_seconds`. A process that is not the holder
tries again at the same pace, so when the holder dies without a word (SIGKILL) another takes over at
most 4/3 of the lease after its last renewal. A graceful stop releases the lease for another to take
at once.

Fencing: the work is cancelled, on trio's clock, a margin before the lease could expire in the
database unless a renewal came back in time. So a holder whose renewals fail (the database out of
reach), or that was paused past its lease (a stopped process, a long GC), is cancelled at its first
checkpoint after waking, before another process may take the lease. Writes that must never happen
twice also renew the lease in their own transaction (the broadcaster's cursor: storage.broadcasts.
record_batch), so even a write already in flight on waking is refused once the lease is lost. The
other singletons need no such fence: what they write is guarded by the database already (a payment
credits once by its unique key, a notice or digest is claimed in its own row, the housekeeper only
deletes what has expired), so a stale holder's last write cannot make anything happen twice.

Expiry times in the database are wall-clock (compared across processes); the pauses and the local
deadline are trio's clock, so MockClock drives them in tests.
"""

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

import trio
from prometheus_client import Gauge

from storage import StorageError, Store

log = logging.getLogger(__name__)

HOLDING = Gauge("shopkeeper_singleton_held", "1 while this process holds the singleton's lease", ["singleton"])

# The share of the lease kept back from the local deadline: room for the renewal's round trip and
# for the processes' wall clocks to differ a little.
MARGIN = 0.2


class Singleton:
    """Run `work` (a nursery-start function) only while this process, named `holder`, holds the
    lease `name`. Supports the trio nursery start protocol: started at once (waiting for the lease is
    part of its running)."""

    def __init__(
        self,
        name: str,
        work: Callable[..., Awaitable[Any]],
        store: Store,
        holder: str,
        lease_seconds: float,
        *,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.name = name
        self.work = work
        self.store = store
        self.holder = holder
        self.seconds = lease_seconds
        self.wall = wall
        self.holding = False

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> NoReturn:
        task_status.started()
        while True:
            asked = trio.current_time()
            if await self._take():
                await self._hold(asked)
            await trio.sleep(self.seconds / 3)

    async def _take(self) -> bool | None:
        """Take or renew the lease: True when held, False when another process holds it, None when
        the database could not say."""
        now = self.wall()
        try:
            return await self.store.take_lease(self.name, self.holder, now=now, until=now + timedelta(seconds=self.seconds))
        except StorageError as error:
            log.warning("singleton %s: lease not taken or renewed: %s", self.name, error)
            return None

    async def _hold(self, asked: float) -> None:
        """Run the work until the lease is lost or cannot be renewed in time; release it when stopped."""
        log.info("singleton %s: this process holds the lease; starting", self.name)
        self.holding = True
        HOLDING.labels(self.name).set(1)
        try:
            async with trio.open_nursery() as nursery:
                nursery.cancel_scope.deadline = self._deadline(asked)
                nursery.start_soon(self.work)
                while True:
                    await trio.sleep(self.seconds / 3)
                    asked = trio.current_time()
                    held = await self._take()
                    if held:
                        nursery.cancel_scope.deadline = self._deadline(asked)
                    elif held is False:
                        break  # out of reach (None), the deadline decides
                nursery.cancel_scope.cancel()
            log.warning("singleton %s: lease lost; stopped until this process holds it again", self.name)
        finally:
            self.holding = False
            HOLDING.labels(self.name).set(0)
            # A graceful stop (or a crash of the work): another process need not wait out the lease.
            with trio.move_on_after(2, shield=True):
                try:
                    await self.store.release_lease(self.name, self.holder)
                except StorageError as error:
                    log.info("singleton %s: lease not released (it runs out): %s", self.name, error)

    def _deadline(self, asked: float) -> float:
        # From when the renewal was asked for: its expiry in the database is no earlier than that.
        return asked + self.seconds * (1 - MARGIN)
