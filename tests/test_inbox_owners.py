"""The update inbox shared by several processes (webhook mode behind a load balancer), on SQLite and
PostgreSQL: each row names the process that keeps it; a starting process replays only its own rows
and those of processes gone (lease expired) or of none, and of two processes adopting one row, one
wins."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
import trio

from storage import StorageSettings, Store, open_store

ANN = 1001
LEASE = timedelta(seconds=15)


@pytest.fixture
async def stores(database_url: str) -> AsyncIterator[list[Store]]:
    """Three processes' stores on one database."""
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(open_store(StorageSettings(database_url=database_url))) for _ in range(3)]


def update(update_id: int) -> tuple[int, int, bytes]:
    return update_id, ANN, msgspec.json.encode({"update_id": update_id})


def ids(payloads: list[bytes]) -> list[int]:
    return [msgspec.json.decode(payload)["update_id"] for payload in payloads]


async def alive(store: Store, holder: str, *, for_: timedelta = LEASE) -> None:
    now = datetime.now(UTC)
    await store.beat(holder, now=now, until=now + for_)


async def test_a_starting_process_leaves_a_live_ones_rows_alone(stores: list[Store]) -> None:
    a, b, _ = stores
    await alive(a, "a")
    assert await a.take_update(*update(1), "a") == "kept"
    assert await a.stash_updates([update(2), update(3)], "a") == [2, 3]
    await alive(b, "b")
    assert await b.unhandled_updates("b") == [], "a is alive: its rows are its own to handle"
    assert await b.adopt_updates("b", now=datetime.now(UTC)) == []
    assert ids(await a.unhandled_updates("a")) == [1, 2, 3], "a restarted under its holder id replays its own rows"
    # A row of no owner (kept before owners, or by a process that names none) is anyone's: one takes it.
    assert await a.take_update(*update(4)) == "kept"
    assert ids(await b.unhandled_updates("b")) == [4]
    assert ids(await a.unhandled_updates("a")) == [1, 2, 3]


async def test_the_rows_of_a_process_gone_are_adopted_once(stores: list[Store]) -> None:
    a, b, c = stores
    await alive(a, "a", for_=timedelta(seconds=-1))  # killed: its lease ran out
    assert await a.stash_updates([update(i) for i in range(1, 31)], "a") == list(range(1, 31))
    await a.mark_handled([30])
    await alive(b, "b")
    await alive(c, "c")
    adopted: dict[str, list[int]] = {}

    async def adopt(store: Store, holder: str) -> None:
        adopted[holder] = [update_id for update_id, _ in await store.adopt_updates(holder, now=datetime.now(UTC))]

    async with trio.open_nursery() as nursery:
        nursery.start_soon(adopt, b, "b")
        nursery.start_soon(adopt, c, "c")
    assert sorted(adopted["b"] + adopted["c"]) == list(range(1, 30)), "each row adopted once, the handled one not"
    assert ids(await b.unhandled_updates("b")) == adopted["b"]
    assert ids(await c.unhandled_updates("c")) == adopted["c"]
    await alive(a, "a")
    assert await a.unhandled_updates("a") == [], "a back (same holder id) finds its rows taken over"


async def test_a_stopped_process_leaves_its_rows_at_once(stores: list[Store]) -> None:
    a, b, _ = stores
    await alive(a, "a")
    assert await a.take_update(*update(1), "a") == "kept"
    await a.stop_beating("a")
    await alive(b, "b")
    assert ids(await b.unhandled_updates("b")) == [1]


async def test_an_update_behind_another_processes_earlier_one_of_its_chat_says_so(stores: list[Store]) -> None:
    """Webhook mode keeps a chat's order across processes: keeping an update tells whether an earlier
    update of its chat is still unhandled in another process's (or no process's) hands."""
    a, b, _ = stores
    await alive(a, "a")
    await alive(b, "b")
    assert await a.take_update(*update(1), "a") == "kept"
    assert await a.take_update(*update(2), "a") == "kept", "its own earlier update is in its own lane, in order"
    assert await b.take_update(*update(3), "b") == "behind"
    assert await b.waits_behind(3, ANN, "b")
    await a.mark_handled([1])
    assert await b.waits_behind(3, ANN, "b"), "2 is still a's"
    await a.mark_handled([2])
    assert not await b.waits_behind(3, ANN, "b")
    assert await b.take_update(5, 0, msgspec.json.encode({"update_id": 5}), "b") == "kept", "no chat: no order to keep"
    assert await a.take_update(*update(6), "a") == "behind", "3 is b's, unhandled"
    assert await a.take_update(*update(4)) == "kept", "a process naming no owner keeps no order with others"


async def test_updates_kept_together_answer_each_as_alone(stores: list[Store]) -> None:
    """Webhook requests' updates are kept a batch at a time: each gets the answer it would alone."""
    a, b, _ = stores
    await alive(a, "a")
    await alive(b, "b")
    assert await a.take_update(*update(1), "a") == "kept"
    other_chat = (3, ANN + 1, msgspec.json.encode({"update_id": 3}))
    assert await b.take_updates([update(2), other_chat], "b") == ["behind", "kept"], "2 waits for a's 1; 3 is another chat"
    assert await b.take_updates([update(2), update(4)], "b") == ["duplicate", "behind"], "a redelivery among them"
    assert await a.take_updates([update(5)], "a") == ["behind"], "2 and 4 are b's, unhandled"
    await a.mark_handled([1])
    await b.mark_handled([2, 4])
    assert await a.take_updates([update(6), update(7)], "a") == ["kept", "kept"]
    assert ids(await a.unhandled_updates("a")) == [5, 6, 7]
