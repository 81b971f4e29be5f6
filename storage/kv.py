"""The key-value store: in process by default, Redis when `storage.redis_url` is set.

It holds what is short-lived and shared between processes (conversation state, rate limits,
de-duplication marks), never money. Values are strings; every key can expire.

`MemoryKV` lives in trio and costs no crossing. `RedisKV` uses redis-py's asyncio client, which is
built and used inside the bridge's asyncio loop (it binds to the loop it first runs on).
"""

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import trio


class KeyValue(Protocol):
    backend: str

    async def get(self, key: str) -> str | None: ...
    async def set(self, key: str, value: str, *, ttl: float | None = None) -> None: ...
    async def set_if_absent(self, key: str, value: str, *, ttl: float | None = None) -> bool: ...
    async def delete(self, key: str) -> None: ...
    async def ping(self) -> bool: ...


class MemoryKV:
    """A dict with expiry on trio's clock (so MockClock drives it). One process only."""

    backend = "memory"

    def __init__(self) -> None:
        self._data: dict[str, tuple[str, float | None]] = {}

    def _live(self, key: str) -> str | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        value, expires = entry
        if expires is not None and expires <= trio.current_time():
            del self._data[key]
            return None
        return value

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def set(self, key: str, value: str, *, ttl: float | None = None) -> None:
        self._data[key] = (value, None if ttl is None else trio.current_time() + ttl)

    async def set_if_absent(self, key: str, value: str, *, ttl: float | None = None) -> bool:
        if self._live(key) is not None:
            return False
        await self.set(key, value, ttl=ttl)
        return True

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def ping(self) -> bool:
        return True


type Cross = Callable[..., Awaitable[Any]]


class RedisKV:
    """Redis through the bridge: each call is one crossing."""

    backend = "redis"

    def __init__(self, cross: Cross, client: Any) -> None:
        self._cross = cross
        self._client = client

    async def get(self, key: str) -> str | None:
        value = await self._cross(self._client.get, key)
        return None if value is None else value.decode()

    async def set(self, key: str, value: str, *, ttl: float | None = None) -> None:
        await self._cross(self._client.set, key, value, px=_ms(ttl))

    async def set_if_absent(self, key: str, value: str, *, ttl: float | None = None) -> bool:
        return bool(await self._cross(self._client.set, key, value, px=_ms(ttl), nx=True))

    async def delete(self, key: str) -> None:
        await self._cross(self._client.delete, key)

    async def ping(self) -> bool:
        return bool(await self._cross(self._client.ping))


def _ms(ttl: float | None) -> int | None:
    return None if ttl is None else max(1, int(ttl * 1000))


async def open_redis_client(url: str) -> Any:
    """Runs inside the bridge's asyncio loop, so the client binds to it."""
    import redis.asyncio

    client = redis.asyncio.from_url(url, socket_connect_timeout=5, socket_timeout=5)
    await client.ping()
    return client


async def close_redis_client(client: Any) -> None:
    await client.aclose()
