"""One bot's update queue and the getUpdates long poll.

Contract (the official server's): update ids increase per bot; an update is forgotten once getUpdates
is called with an offset higher than its id; a negative offset keeps only the last -offset updates;
`limit` is clamped to 1..100, `timeout` to 0..50 s; the poll returns as soon as an update arrives.
A newer getUpdates makes a still-waiting older one fail with 409. Updates whose type the bot excluded
with `allowed_updates` (which persists between calls) are never queued, as on the real server.

`deliveries` counts how many getUpdates answers carried each update id, so tests can assert that every
update was delivered exactly once before it was confirmed.
"""

from collections import deque
from typing import Any

import trio

from .errors import ApiError

MAX_TIMEOUT = 50.0
# Telegram's default when allowed_updates was never given: everything but these three.
_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CONFLICT_POLL = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"


class UpdateQueue:
    def __init__(self) -> None:
        self._pending: deque[dict[str, Any]] = deque()
        self._next_id = 1
        self._wake = trio.Event()
        self._generation = 0
        self.allowed_updates: list[str] | None = None
        self.deliveries: dict[int, int] = {}
        self.total_pushed = 0

    def wants(self, kind: str) -> bool:
        if self.allowed_updates is None or not self.allowed_updates:
            return kind not in _NOT_BY_DEFAULT
        return kind in self.allowed_updates

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue one update of type `kind` (e.g. "message"); None if the bot does not want that type."""
        if not self.wants(kind):
            return None
        update = {"update_id": self._next_id, kind: payload}
        self._next_id += 1
        self._pending.append(update)
        self.total_pushed += 1
        self._wake_waiters()
        return update

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    def drop_pending(self) -> None:
        self._pending.clear()
        self._wake_waiters()

    def waiting(self) -> list[dict[str, Any]]:
        """The updates not yet delivered, oldest first (what a webhook delivery sends, in order)."""
        return list(self._pending)

    def changed(self) -> trio.Event:
        """The event the queue's next change sets (an update queued, delivered, dropped; see `notify`)."""
        return self._wake

    def notify(self) -> None:
        """Wake whoever waits on `changed` (the webhook's deliverer: its webhook or its room changed)."""
        self._wake_waiters()

    def delivered(self, update_id: int) -> None:
        """A webhook request carrying `update_id` was answered 2xx: Telegram forgets the update."""
        self.deliveries[update_id] = self.deliveries.get(update_id, 0) + 1
        for i, update in enumerate(self._pending):
            if update["update_id"] == update_id:
                del self._pending[i]
                break
        self._wake_waiters()

    def _wake_waiters(self) -> None:
        self._wake.set()
        self._wake = trio.Event()

    def _confirm(self, offset: int) -> None:
        pending = self._pending
        if offset > 0:
            while pending and pending[0]["update_id"] < offset:
                pending.popleft()
        elif offset < 0:
            while len(pending) > -offset:
                pending.popleft()

    def _take(self, limit: int) -> list[dict[str, Any]]:
        batch = [self._pending[i] for i in range(min(limit, len(self._pending)))]
        for update in batch:
            uid = update["update_id"]
            self.deliveries[uid] = self.deliveries.get(uid, 0) + 1
        return batch

    async def get_updates(
        self, offset: int, limit: int, timeout: float, allowed_updates: list[str] | None
    ) -> list[dict[str, Any]]:
        # Terminate the previous poller first: it is the one that gets the 409, the newest one wins.
        self._generation += 1
        mine = self._generation
        self._wake_waiters()
        if allowed_updates is not None:
            self.allowed_updates = list(allowed_updates)
        self._confirm(offset)
        limit = min(max(limit, 1), 100)
        timeout = min(max(timeout, 0.0), MAX_TIMEOUT)
        if self._pending or timeout == 0:
            await trio.lowlevel.checkpoint()
            return self._take(limit)
        with trio.move_on_after(timeout):
            while not self._pending:
                await self._wake.wait()
                if self._generation != mine:
                    raise ApiError(409, CONFLICT_POLL)
        return self._take(limit)
