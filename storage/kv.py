"""The key-value store: in process by default, Redis when `storage.redis_url` is set.

It holds what is short-lived and shared between processes (conversation state, rate limits,
de-duplication marks), never money. Values are strings; every key can expire.

`MemoryKV` lives in trio and costs no crossing. `RedisKV` uses redis-py's asyncio client, which is
built and used inside the bridge's asyncio loop (it binds to the loop it first runs on).
"""

import math
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, Protocol

import trio
from cachetools import TLRUCache


class KeyValue(Protocol):
    backend: str

    async def get(self, key: str) -> str | None: ...
    async def set(self, key: str, value: str, *, ttl: float | None = None) -> None: ...
    async def set_if_absent(self, key: str, value: str, *, ttl: float | None = None) -> bool: ...
    async def delete(self, key: str) -> None: ...
    async def ping(self) -> bool: ...
    async def publish(self, channel: str, message: str) -> None: ...
    async def listen(
        self, channel: str, deliver: Callable[[str], None], *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> NoReturn: ...


class MemoryKV:
    """A dict with expiry on trio's clock (so MockClock drives it). One process only.

    Expired keys are dropped as they expire, not only when read: every write first sweeps out what
    has expired by then (cachetools' TLRUCache keeps the keys in a heap by expiry, so a sweep costs
    only what it drops). Keys nobody reads again, like one per distinct search, therefore do not
    pile up: it holds the live keys, plus at most those that expired since the last write.
    """

    backend = "memory"

    def __init__(self) -> None:
        # (value, ttl); no size bound: the live keys are what the shop needs, and TTLs bound them.
        self._data: TLRUCache[str, tuple[str, float | None]] = TLRUCache(maxsize=math.inf, ttu=_expires, timer=trio.current_time)

    async def get(self, key: str) -> str | None:
        entry = self._data.get(key)
        return None if entry is None else entry[0]

    async def set(self, key: str, value: str, *, ttl: float | None = None) -> None:
        self._data[key] = (value, ttl)

    async def set_if_absent(self, key: str, value: str, *, ttl: float | None = None) -> bool:
        if key in self._data:
            return False
        self._data[key] = (value, ttl)
        return True

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def ping(self) -> bool:
        return True

    async def publish(self, channel: str, message: str) -> None:
        """In process there is nobody else to tell."""

    async def listen(
        self, channel: str, deliver: Callable[[str], None], *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> NoReturn:
        task_status.started()
        await trio.sleep_forever()


def _expires(_key: str, entry: tuple[str, float | None], now: float) -> float:
    ttl = entry[1]
    return math.inf if ttl is None else now + ttl


type Cross = Callable[..., Awaitable[Any]]

# How long one wait of a listener for a published message lasts (a crossing each time it ends empty).
LISTEN_SECONDS = 1.0


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

    async def publish(self, channel: str, message: str) -> None:
        await self._cross(self._client.publish, channel, message)

    async def listen(
        self, channel: str, deliver: Callable[[str], None], *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> NoReturn:
        """Hand each message published on `channel` to `deliver`, for ever. Supports the trio nursery
        start protocol: started once subscribed. Each wait for a message is a crossing of at most
        LISTEN_SECONDS (the pub/sub connection's own, not the pool's)."""
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        try:
            await self._cross(pubsub.subscribe, channel)
            task_status.started()
            while True:
                received = await self._cross(pubsub.get_message, timeout=LISTEN_SECONDS)
                if received is not None and received["type"] == "message":
                    deliver(received["data"].decode())
        finally:
            with trio.CancelScope(shield=True):
                await self._cross(pubsub.aclose)


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
