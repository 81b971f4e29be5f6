"""The housekeeper: deletes audit events past `admin.audit_retention_days` (0 keeps them forever),
first thing on start and then every hour."""

import logging
from datetime import UTC, datetime, timedelta
from typing import NoReturn

import trio

from storage import Store

log = logging.getLogger(__name__)

EVERY_SECONDS = 3600.0


class Housekeeper:
    def __init__(self, store: Store, audit_retention_days: int) -> None:
        self.store = store
        self.retention = timedelta(days=audit_retention_days) if audit_retention_days else None

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> NoReturn:
        task_status.started()
        while True:
            await self.tidy(datetime.now(UTC))
            await trio.sleep(EVERY_SECONDS)

    async def tidy(self, now: datetime) -> int:
        if self.retention is None:
            return 0
        pruned = await self.store.prune_audit(now - self.retention)
        if pruned:
            log.info("deleted %d audit events older than %d days", pruned, self.retention.days)
        return pruned
