"""The housekeeper: deletes what the shop keeps only for a while, first thing on start and then every
hour: audit events and the business-event feed past `admin.audit_retention_days` (0 keeps them forever), and updates handled more
than a day ago (Telegram delivers an update again for a day at most: until then the inbox recognises
it as handled), and the web app's sign-in links and sessions once expired. It also keeps SQLite's query
planner statistics fresh: all of them at start, then those SQLite finds stale (storage.planner)."""

import logging
from datetime import UTC, datetime, timedelta
from typing import NoReturn

import trio

from storage import Store

log = logging.getLogger(__name__)

EVERY_SECONDS = 3600.0
INBOX_KEEPS = timedelta(days=1)


class Housekeeper:
    def __init__(self, store: Store, audit_retention_days: int) -> None:
        self.store = store
        self.retention = timedelta(days=audit_retention_days) if audit_retention_days else None

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> NoReturn:
        task_status.started()
        starting = True
        while True:
            now = datetime.now(UTC)
            await self.tidy(now)
            await self.forget_handled(now)
            await self.forget_expired_sign_ins(now)
            await self.store.refresh_statistics(everything=starting)
            starting = False
            await trio.sleep(EVERY_SECONDS)

    async def tidy(self, now: datetime) -> int:
        if self.retention is None:
            return 0
        pruned = await self.store.prune_audit(now - self.retention)
        feed = await self.store.prune_shop_events(now - self.retention)
        if pruned or feed:
            log.info("deleted %d audit events and %d feed events older than %d days", pruned, feed, self.retention.days)
        return pruned

    async def forget_handled(self, now: datetime) -> int:
        """Delete the inbox's updates handled more than INBOX_KEEPS before `now`; returns how many."""
        pruned = await self.store.prune_inbox(now - INBOX_KEEPS)
        if pruned:
            log.info("deleted %d updates handled more than a day ago", pruned)
        return pruned

    async def forget_expired_sign_ins(self, now: datetime) -> int:
        """Delete the web app's sign-in links and sessions expired before `now`; returns how many."""
        pruned = await self.store.prune_web_sign_ins(now)
        if pruned:
            log.info("deleted %d expired web sign-in links and sessions", pruned)
        return pruned
