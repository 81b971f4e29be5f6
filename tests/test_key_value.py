"""The key-value store behaves the same in process and on Redis."""

import uuid
from collections.abc import AsyncIterator

import pytest
import trio

from conftest import REDIS_URL, missing_service
from storage import StorageSettings, StorageUnavailable, open_store


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def kv(request: pytest.FixtureRequest, sqlite_url: str) -> AsyncIterator[object]:
    settings = StorageSettings(database_url=sqlite_url, redis_url=REDIS_URL if request.param == "redis" else "")
    try:
        async with open_store(settings) as store:
            assert store.kv.backend == request.param
            yield store.kv
    except StorageUnavailable as error:
        missing_service(f"Redis at {REDIS_URL}", error)


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
