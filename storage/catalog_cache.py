"""A short-lived cache of what buyers browse: the shop page, category pages and item cards.

Browsing is most of a shop's traffic, and it asks for the same few screens over and over; each one
costs a query of several counts. The cache answers them for `seconds` (the `[storage]` key
`catalog_cache_seconds`). Every change to the catalog (a purchase, stock, an edit, a review) drops the
whole cache, in this process at once and, with Redis, in every other shop process too
(storage.invalidation); without Redis `seconds` bounds how long another process's change takes to show. A read that
was under way while such a change committed is answered but not kept: it may predate the change.

Nothing that decides a sale reads from here: a purchase always checks stock, price and visibility in
its own transaction.

Readers of a key no entry answers share one load: when an entry expires under traffic, the screens
asked meanwhile wait for the read already under way instead of each making its own (a few dozen at
a few hundred updates a second, all the same query). One who comes after a change joins no load
begun before it.
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
        # The loads under way, by key: readers of the key wait for it (see the module docstring).
        self._loading: dict[Hashable, _Load] = {}

    async def get[T](self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        if self._entries is None:
            return await load()
        try:
            return self._entries[key]  # type: ignore[return-value]  # a key's entry is what its own load() returned
        except KeyError:
            pass
        under_way = self._loading.get(key)
        if under_way is not None:
            await under_way.done.wait()
            if under_way.ok:
                return under_way.value  # type: ignore[return-value]  # what the key's own load() returned
            # That load failed (or was cancelled): this reader makes its own, and meets its own error.
        mine = self._loading[key] = _Load()
        generation = self._generation
        try:
            value = await load()
            mine.value, mine.ok = value, True
        finally:
            mine.done.set()
            if self._loading.get(key) is mine:
                del self._loading[key]
        if generation == self._generation:
            self._entries[key] = value
        return value

    def invalidate(self) -> None:
        self._generation += 1
        self._loading.clear()
        if self._entries is not None:
            self._entries.clear()


class _Load:
    """A load under way: set `done` once it ended, with its `value` when `ok`."""

    __slots__ = ("done", "ok", "value")

    def __init__(self) -> None:
        self.done = trio.Event()
        self.ok = False
        self.value: object = None
