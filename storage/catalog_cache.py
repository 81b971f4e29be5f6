"""A short-lived cache of what buyers browse: the shop page, category pages and item cards.

Browsing is most of a shop's traffic, and it asks for the same few screens over and over; each one
costs a query of several counts. The cache answers them for `seconds` (the `[storage]` key
`catalog_cache_seconds`). Every change to the catalog (a purchase, stock, an edit, a review) drops the
whole cache, in this process at once and, with Redis, in every other shop process too
(storage.invalidation); without Redis `seconds` bounds how long another process's change takes to show. A read that
was under way while such a change committed is answered but not kept: it may predate the change.

Nothing that decides a sale reads from here: a purchase always checks stock, price and visibility in
its own transaction.
"""

from collections.abc import Awaitable, Callable, Hashable

import trio
from cachetools import TTLCache

MAX_ENTRIES = 10_000


class CatalogCache:
    """Entries by key for `seconds` (0 turns the cache off), at most MAX_ENTRIES, oldest dropped first."""

    def __init__(self, seconds: float) -> None:
        self._entries: TTLCache[Hashable, object] | None = (
            TTLCache(MAX_ENTRIES, seconds, timer=trio.current_time) if seconds > 0 else None
        )
        self._generation = 0

    async def get[T](self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        if self._entries is None:
            return await load()
        try:
            return self._entries[key]  # type: ignore[return-value]  # a key's entry is what its own load() returned
        except KeyError:
            pass
        generation = self._generation
        value = await load()
        if generation == self._generation:
            self._entries[key] = value
        return value

    def invalidate(self) -> None:
        self._generation += 1
        if self._entries is not None:
            self._entries.clear()
