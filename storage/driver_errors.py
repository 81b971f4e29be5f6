"""What the database and key-value drivers raise, in the storage tree's words: `Store.cross` (storage.bridge)
translates each error a use case meets, after any retries, and retries the ones `is_retryable` names."""

import sqlite3

import asyncpg
from redis.exceptions import RedisError
from tortoise.exceptions import BaseORMException, IntegrityError

from storage.errors import DatabaseRefused, StorageBusy, StorageConflict, StorageError, StorageUnavailable
from storage.quoting import ERROR_LIMIT, shortened

# What the drivers raise; `Store.cross` turns each into the storage tree's word for it (`translated`).
DRIVER_ERRORS = (BaseORMException, OSError, RedisError, sqlite3.OperationalError, asyncpg.PostgresError, asyncpg.InterfaceError)
# Out of reach or out of resources (tortoise's DBConnectionError is an OSError): PostgreSQL's connection
# refused or lost, the server shutting down, no connection slot left, a full disk.
UNREACHABLE = (
    OSError,
    RedisError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.InsufficientResourcesError,
)
# SQLite's primary result codes for the same: a full disk, an I/O error, a file it cannot open or write.
SQLITE_UNREACHABLE = frozenset(
    {
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_NOMEM,
        sqlite3.SQLITE_READONLY,
    }
)
# A PostgreSQL lock waited for past lock_timeout, or a statement past statement_timeout: it has waited already.
WAITED_TOO_LONG = (asyncpg.LockNotAvailableError, asyncpg.QueryCanceledError)


def is_retryable(error: BaseException) -> bool:
    if isinstance(error, asyncpg.TransactionRollbackError) or isinstance(error.__cause__, asyncpg.TransactionRollbackError):
        return True
    text = str(error)
    return "database is locked" in text or "database table is locked" in text


def _chain(error: BaseException) -> list[BaseException]:
    """`error` and the errors it was raised from or while handling, nearest first: tortoise wraps the
    driver's error, and a rollback on a lost connection fails with an error of its own."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _unreachable(error: BaseException) -> bool:
    for link in _chain(error):
        if isinstance(link, UNREACHABLE):
            return True
        # An extended result code keeps its primary one in the low byte.
        if isinstance(link, sqlite3.Error) and (link.sqlite_errorcode or 0) & 0xFF in SQLITE_UNREACHABLE:
            return True
    return False


def translated(name: str, error: BaseException) -> StorageError:
    """The storage tree's word for a driver's error that use case `name` met (after any retries):
    an outage when the same request may succeed later, else DatabaseRefused (a bug of the store's)."""
    text = f"{name}: {shortened(error, ERROR_LIMIT)}"
    if _unreachable(error):
        return StorageUnavailable(f"{name}: unavailable: {shortened(error, ERROR_LIMIT)}")
    if isinstance(error, IntegrityError):
        return StorageConflict(text)
    if is_retryable(error) or isinstance(error, WAITED_TOO_LONG):
        return StorageBusy(text)
    return DatabaseRefused(text)
