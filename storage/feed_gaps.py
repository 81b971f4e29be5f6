"""The ids a reader of the business-event feed skipped, awaited a while in case they commit late.

A feed row gets its id when written and commits with its transaction, so on PostgreSQL a reader may
see id 8 before id 7 commits (a lock wait can hold a transaction open for seconds). A reader that
reads by id (webui.live's watcher, actors.notifier) notes the ids it passed over here, asks for the
awaited ones again at each read (Store.shop_events_among) and marks those found; an id still missing
after `wait_seconds` belonged to a transaction that rolled back. Times are the caller's clock (trio's).
"""

# How long an id below the highest read is awaited before it counts as rolled back, seconds.
GAP_SECONDS = 10.0
# Skipped ids remembered at most (the newest): a burst of rolled-back batches must not grow the set
# unbounded, and storage answers at most READ_MAX (500) ids at once.
GAPS_MAX = 256


class FeedGaps:
    """The skipped ids still awaited, each with when to stop waiting for it."""

    def __init__(self, *, wait_seconds: float = GAP_SECONDS, most: int = GAPS_MAX) -> None:
        self.wait_seconds = wait_seconds
        self.most = most
        self._until: dict[int, float] = {}

    def awaited(self, now: float) -> list[int]:
        """The ids to ask for again, oldest first (the newest `most` still awaited; the rest forgotten)."""
        kept = sorted(gap for gap, until in self._until.items() if until > now)[-self.most :]
        self._until = {gap: self._until[gap] for gap in kept}
        return kept

    def passed(self, last: int, event_id: int, now: float) -> None:
        """The reader went from id `last` to `event_id`: the ids between are awaited."""
        missing = range(max(last + 1, event_id - self.most), event_id)
        self._until.update(dict.fromkeys(missing, now + self.wait_seconds))

    def found(self, event_id: int) -> None:
        """An awaited id committed (and was read)."""
        self._until.pop(event_id, None)
