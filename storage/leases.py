"""Leases: one process at a time does each singleton's work (actors.singleton).

A lease is a row per singleton naming its holder and until when it holds it. `take_lease` takes a
free or expired lease, or renews one's own, with one conditional UPDATE (or the INSERT of the first
row, which the primary key lets one process win), so it works alike on SQLite and PostgreSQL.

Why a table rather than a PostgreSQL advisory lock: an advisory lock lives on one connection, which
the asyncpg pool would have to set aside for each singleton, and it exists on PostgreSQL only, so
SQLite (several processes on one file are possible too) would need the table anyway. The table
also fences: work whose writes must not happen once the lease is lost renews the lease in the same
transaction (`renew_in`), so a holder that was paused past its expiry finds its lease gone and
writes nothing, and on PostgreSQL the renewal's row lock orders the write before any takeover.
"""

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from storage.lease_models import Lease


async def take_lease(name: str, holder: str, *, now: datetime, until: datetime) -> bool:
    """Take the lease `name` for `holder` until `until` (or renew it, when `holder` holds it): True
    when `holder` holds it now; False when another holder's lease has not expired by `now`."""
    taken = await Lease.filter(Q(holder=holder) | Q(expires_at__lt=now), name=name).update(holder=holder, expires_at=until)
    if taken:
        return True
    try:
        await Lease.create(name=name, holder=holder, expires_at=until)
    except IntegrityError:
        return False  # held by another (or another process created the row first)
    return True


async def release_lease(name: str, holder: str) -> None:
    """`holder` stops (a graceful stop): another process may take the lease at once."""
    await Lease.filter(name=name, holder=holder).delete()


async def renew_in(conn: BaseDBAsyncClient, name: str, holder: str, *, now: datetime, until: datetime) -> bool:
    """Within the caller's transaction: renew `holder`'s unexpired lease `name` until `until`; False
    when `holder` no longer holds it (the caller must then write nothing and stop)."""
    return bool(await Lease.filter(name=name, holder=holder, expires_at__gte=now).using_db(conn).update(expires_at=until))
