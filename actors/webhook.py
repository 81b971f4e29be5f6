"""Webhook mode's update source: the web app's route (webui.telegram_webhook) hands each update to
`take`, which claims it in the update inbox and offers it to the same per-chat lanes the poller
feeds. Everything else is the poller's: the lanes, the batched marking of handled updates, and the
replay at start of what the inbox holds unhandled (a process that died after answering 200). With
several processes behind a load balancer each row names its process (`holder`): a process replays its
own rows and adopts, at start and at each heartbeat, only those of processes gone (storage.inbox).

    request ─► take: inbox row inserted (the claim; a second claim of one update_id fails) ─► 200
                     └─► lanes.offer ─► handled ─► marked handled in the inbox

Until the replay is done, and once stopping, `take` answers "unavailable" (the route's 503):
Telegram delivers again later, so nothing new overtakes a chat's replayed updates and nothing is
offered to lanes that are closing.
"""

from collections.abc import Callable
from typing import NoReturn

import msgspec
import trio

from actors.lanes import ChatLanes
from actors.poller import UpdatePoller
from storage import StorageError
from telegram.routing import chat_key
from telegram.types import Update
from webui import Taken


class WebhookIntake(UpdatePoller):
    """Supports the trio nursery start protocol: started once the replay is offered and `take` takes."""

    mode = "webhook"
    _open: ChatLanes | None = None

    async def take(self, update: Update) -> Taken:
        """Claim `update` in the inbox and offer it to its chat's lane: "taken" once it is in the
        database (handled soon, or replayed after a crash), "duplicate" when it was claimed before,
        "unavailable" when it cannot be claimed now (not started, stopping, the database failing)."""
        lanes = self._open
        if lanes is None:
            return "unavailable"
        # The brake the poller applies before fetching: a full shop makes Telegram wait, not memory grow.
        await lanes.wait_for_room()
        try:
            fresh = await self.store.take_update(update.update_id, chat_key(update), msgspec.json.encode(update), self.holder)
        except StorageError:
            return "unavailable"
        if not fresh:
            return "duplicate"
        # Stopped meanwhile: the update is in the inbox, and the next start replays it.
        if self._open is lanes:
            lanes.offer(update)
        return "taken"

    async def _poll(self, lanes: ChatLanes, started_now: Callable[[], None]) -> NoReturn:
        self._open = lanes
        self.last_ok = trio.current_time()
        started_now()
        try:
            await trio.sleep_forever()
        finally:
            self._open = None

    async def _finish(self) -> None:
        """Mark what was handled; unlike the poller, nothing is confirmed to Telegram (the 200 did)."""
        with trio.move_on_after(2, shield=True):
            await self._mark()
        await self._stop_beating()
