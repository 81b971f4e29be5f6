"""Invalidating in-process caches across processes: when a change is made, every shop process drops
what it cached of it, at once rather than when the cache's time runs out.

The caches of shared state: the catalog's buyer screens (storage.catalog_cache), users' records with
their role, blocked flag and language, and the shop-wide switches (telegram.routing.shop). A store
use case that changes one of them (declared in storage.bridge: `use_case(..., changes=...)`) tells of
it once it has returned, as a message `topic:argument` ("catalog:", "user:42", "switches:"): this
process's caches drop the entry at once, and the message is published on Redis (`CHANNEL`) for the
others. Each process listens (Store.watch_changes, one task per process), so an update pays nothing
for it: no Redis round trip per update to compare versions.

A message lost (Redis out of reach while publishing or listening) costs only time: each cache still
expires on its own, and a listener that (re)subscribes drops everything first, since it cannot know
what changed while nobody listened. Without Redis (one process, or several on SQLite without it),
only this process's own changes are seen at once.
"""

from collections import defaultdict
from collections.abc import Callable

CHANNEL = "shopkeeper:changes"
CATALOG = "catalog"
USER = "user"
SWITCHES = "switches"

# Called with the message's argument ("" for the whole topic: drop everything of it).
type Handler = Callable[[str], None]


class Invalidations:
    """What to drop when a topic changes: each cache registers its handlers."""

    def __init__(self) -> None:
        self._handlers: defaultdict[str, list[Handler]] = defaultdict(list)

    def on(self, topic: str, handler: Handler) -> None:
        self._handlers[topic].append(handler)

    def apply(self, message: str) -> None:
        topic, _, argument = message.partition(":")
        for handler in self._handlers.get(topic, ()):
            handler(argument)

    def apply_everything(self) -> None:
        for handlers in self._handlers.values():
            for handler in handlers:
                handler("")


def message(topic: str, argument: object = "") -> str:
    return f"{topic}:{argument}"
