"""The key-value store behaves the same in process and on Redis; in process, it holds only what is live."""

import tracemalloc
import uuid

import pytest
import trio
import trio.testing

from storage import StorageSettings, StorageUnavailable, open_store
from storage.kv import MemoryKV


async def test_set_get_delete_and_set_if_absent(kv) -> None:  # type: ignore[no-untyped-def]
    key = f"test:{uuid.uuid4()}"
    assert await kv.get(key) is None
    assert await kv.set_if_absent(key, "first", ttl=30)
    assert not await kv.set_if_absent(key, "second", ttl=30)
    assert await kv.get(key) == "first"
    await kv.set(key, "над ценой")
    assert await kv.get(key) == "над ценой"
    await kv.delete(key)
    assert await kv.get(key) is None
    assert await kv.ping()


async def test_keys_expire(kv) -> None:  # type: ignore[no-untyped-def]
    key = f"test:{uuid.uuid4()}"
    await kv.set(key, "soon gone", ttl=0.2)
    assert await kv.get(key) == "soon gone"
    await trio.sleep(0.3)
    assert await kv.get(key) is None
    assert await kv.set_if_absent(key, "again", ttl=5)


async def test_an_unreachable_redis_is_reported_at_start(sqlite_url: str) -> None:
    settings = StorageSettings(database_url=sqlite_url, redis_url="redis://127.0.0.1:1/0")
    with pytest.raises(StorageUnavailable):
        async with open_store(settings):
            pass


async def test_the_memory_store_lets_go_of_expired_keys_nobody_reads(autojump_clock: trio.testing.MockClock) -> None:
    """Every distinct search leaves a key that is never read again. An hour of searches after
    another holds what one hour holds, and once they expire the next write lets them go (before,
    they stayed until read, which for these is never)."""
    kv = MemoryKV()
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        held = []
        for hour in range(3):
            for n in range(10_000):
                await kv.set(f"search:{n}:{hour:012x}", f"a query of some forty characters, #{n}", ttl=3600)
            held.append(tracemalloc.get_traced_memory()[0] - baseline)
            await trio.sleep(3600)
        await kv.set("search:1:fresh", "the next search", ttl=3600)
        after = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    assert held[0] > 1_000_000, held  # what 10,000 keys cost: the measure sees them
    assert held[2] < held[0] * 1.5, held
    # What stays is the tables' room for the busiest hour, not the keys and values.
    assert after < held[0] // 3, (held, after)
    assert await kv.get("search:1:fresh") == "the next search" and await kv.get("search:0:000000000000") is None
