"""Singleton work (actors.singleton) on both backends under trio's MockClock: one holder at a time, a
holder that dies without releasing is taken over once its lease runs out, one that loses its lease
stops before another starts, and a graceful stop hands over at once."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
import trio
import trio.testing

from actors.singleton import Singleton
from storage import BROADCASTER, StorageSettings, Store, open_store

LEASE = 6.0
NAME = "reconciler"


@pytest.fixture
def clock(autojump_clock: trio.testing.MockClock) -> trio.testing.MockClock:
    """Virtual time that jumps only once the database has had a real moment to answer: a jump in the
    middle of a query would make a renewal take seconds of virtual time (and the lease run out)."""
    autojump_clock.autojump_threshold = 0.02
    return autojump_clock


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=database_url)) as opened:
        yield opened


class Journal:
    """Which holder's work ran when, on trio's clock: (holder, "start" | "stop", time)."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str, float]] = []

    def running(self) -> set[str]:
        on: set[str] = set()
        for holder, what, _ in self.entries:
            (on.add if what == "start" else on.discard)(holder)
        return on

    def time_of(self, holder: str, what: str) -> float:
        return next(t for h, w, t in self.entries if (h, w) == (holder, what))

    async def work(self, holder: str, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        self.entries.append((holder, "start", trio.current_time()))
        try:
            while True:
                # The invariant, checked all along: never two holders at work.
                assert len(self.running()) == 1, self.entries
                await trio.sleep(1)
        finally:
            self.entries.append((holder, "stop", trio.current_time()))


def wall_clock(base: datetime, ahead: float = 0.0) -> Callable[[], datetime]:
    """A wall clock that moves with trio's (MockClock's) time, `ahead` seconds ahead of `base`."""
    return lambda: base + timedelta(seconds=trio.current_time() + ahead)


def singleton(store: Store, journal: Journal, holder: str, wall: Callable[[], datetime]) -> Singleton:
    return Singleton(NAME, partial(journal.work, holder), store, holder, LEASE, wall=wall)


async def test_one_holder_at_a_time_and_a_graceful_stop_hands_over_at_once(store: Store, clock: trio.testing.MockClock) -> None:
    journal, wall = Journal(), wall_clock(datetime.now(UTC))
    async with trio.open_nursery() as nursery:
        scopes = {}
        for holder in ("a", "b", "c"):
            scopes[holder] = trio.CancelScope()
            nursery.start_soon(_run_in, scopes[holder], singleton(store, journal, holder, wall))
        await trio.sleep(10 * LEASE)
        [first] = journal.running()
        assert len(journal.entries) == 1, "the holder renews and keeps it; nobody else starts"
        stopped = trio.current_time()
        scopes[first].cancel()  # a graceful stop releases the lease
        await trio.sleep(LEASE)
        [second] = journal.running()
        assert second != first and journal.time_of(second, "start") - stopped <= LEASE / 3 + 0.1
        nursery.cancel_scope.cancel()


async def test_a_holder_that_died_is_taken_over_once_its_lease_runs_out(store: Store, clock: trio.testing.MockClock) -> None:
    journal, wall = Journal(), wall_clock(datetime.now(UTC))
    # A process took the lease and was killed (SIGKILL: nothing released).
    assert await store.take_lease(NAME, "dead", now=wall(), until=wall() + timedelta(seconds=LEASE))
    began = trio.current_time()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(singleton(store, journal, "heir", wall).run)
        await trio.sleep(LEASE - 0.5)
        assert journal.running() == set(), "nobody starts while the dead holder's lease lasts"
        await trio.sleep(LEASE)
        assert journal.running() == {"heir"}
        assert journal.time_of("heir", "start") - began <= LEASE * 4 / 3 + 0.1
        nursery.cancel_scope.cancel()


async def test_a_holder_paused_past_its_lease_stops_before_another_starts(store: Store, clock: trio.testing.MockClock) -> None:
    journal, wall = Journal(), wall_clock(datetime.now(UTC))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(singleton(store, journal, "paused", wall).run)
        await trio.sleep(1)
        nursery.start_soon(singleton(store, journal, "other", wall).run)
        await trio.sleep(LEASE)
        assert journal.running() == {"paused"}
        # The whole process stops for twice the lease (SIGSTOP, a long GC): when it runs again, the
        # holder's work ends at its first checkpoint, before anyone may start it again.
        clock.jump(2 * LEASE)
        woke = trio.current_time()
        await trio.sleep(LEASE)
        assert len(journal.running()) == 1
        stopped = journal.time_of("paused", "stop")
        assert stopped == woke
        assert all(t >= stopped for _, what, t in journal.entries[1:] if what == "start")
        nursery.cancel_scope.cancel()


async def _run_in(scope: trio.CancelScope, actor: Singleton) -> None:
    with scope:
        await actor.run()


async def test_a_broadcaster_that_lost_its_lease_moves_no_cursor(store: Store) -> None:
    """Fencing where it matters: the batch's record renews the lease in its own transaction."""
    job = await store.create_broadcast(None, "News", "all")
    now = datetime.now(UTC)
    assert await store.take_lease(BROADCASTER, "old", now=now, until=now + timedelta(seconds=LEASE))
    later = now + timedelta(seconds=LEASE + 1)  # "old" was paused past its lease; "new" took it
    assert await store.take_lease(BROADCASTER, "new", now=later, until=later + timedelta(seconds=LEASE))
    batch = {"delivered": 1, "blocked": [], "failed": 0, "now": later, "until": later + timedelta(seconds=LEASE)}
    assert await store.record_batch(job.id, 99, owner="old", **batch) is None
    fresh = await store.get_broadcast(job.id)
    assert fresh is not None and (fresh.cursor, fresh.delivered) == (0, 0)
    recorded = await store.record_batch(job.id, 99, owner="new", **batch)
    assert recorded is not None and (recorded.cursor, recorded.delivered) == (99, 1)
