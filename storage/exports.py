"""Tables read out for the operator's CSV export (`shopkeeper export`), one page per transaction.

Each use case reads one page of a table in keyset order: users and ledger entries by id, purchases and
payments by (created_at, id), since their ids are random. A page is one crossing and one short
transaction, so a table of any length is never held in memory and no export holds the database for
long. Pages are not one snapshot: a row written during an export is included when it sorts after the
page being read, and no row is read twice.

Cells keep their types (`ExportCell`): ids, counts and money are numbers (money a Decimal at two
places), datetimes are aware and in UTC, enums are their string values, absent values are None. Only
what an operator may see leaves here: never a purchase's delivered content or a stock unit's secret.
"""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, cast

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.transactions import in_transaction

from storage.models import CENT, LedgerEntry, Payment, Purchase, User
from storage.records import ExportCell, ExportCursor, ExportPage

USER_COLUMNS = ("id", "username", "first_name", "language", "role", "balance", "blocked", "created_at")
PURCHASE_COLUMNS = (
    "id",
    "user_id",
    "item_id",
    "item_title",
    "kind",
    "quantity",
    "price",
    "discount",
    "total",
    "revoked_at",
    "created_at",
)
PAYMENT_COLUMNS = (
    "id",
    "user_id",
    "method",
    "status",
    "amount",
    "currency",
    "provider_amount",
    "external_id",
    "provider_charge_id",
    "created_at",
    "paid_at",
    "refunded_at",
)
LEDGER_COLUMNS = ("id", "user_id", "amount", "kind", "reason", "purchase_id", "created_at")


def _cell(value: Any) -> ExportCell:
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


async def _by_id(model: type[Model], columns: Sequence[str], after: ExportCursor | None, size: int) -> ExportPage:
    async with in_transaction() as conn:
        query = model.all().using_db(conn)
        if after is not None:
            query = query.filter(id__gt=after)
        rows = await query.order_by("id").limit(size).values_list(*columns)
    cells = [tuple(_cell(value) for value in row) for row in rows]
    more = len(cells) == size
    # The first column is the id, an int.
    return ExportPage(header=tuple(columns), rows=cells, next=cast(int, cells[-1][0]) if more else None)


async def _by_time(model: type[Model], columns: Sequence[str], after: ExportCursor | None, size: int) -> ExportPage:
    """Rows by (created_at, id): the cursor carries both, so rows created in the same microsecond
    are neither skipped nor repeated."""
    async with in_transaction() as conn:
        query = model.all().using_db(conn)
        if after is not None:
            created_at, last_id = cast(tuple[datetime, str], after)  # a table by time has pairs for cursors
            query = query.filter(Q(created_at__gt=created_at) | Q(created_at=created_at, id__gt=uuid.UUID(last_id)))
        rows = await query.order_by("created_at", "id").limit(size).values_list(*columns)
    cells = [tuple(_cell(value) for value in row) for row in rows]
    at = columns.index("created_at")
    more = len(cells) == size
    # The last row's created_at (a datetime, after _cell) and its id (the UUID as text).
    last = cast(tuple[datetime, str], (cells[-1][at], cells[-1][0])) if more else None
    return ExportPage(header=tuple(columns), rows=cells, next=last)


async def export_users(after: int | None, size: int) -> ExportPage:
    """Users by Telegram id. `language` is the one the bot speaks to them: the one chosen in Profile,
    else Telegram's language_code."""
    page = await _by_id(User, (*USER_COLUMNS, "language_code"), after, size)
    at = USER_COLUMNS.index("language")
    rows = [(*row[:at], row[at] or row[-1], *row[at + 1 : -1]) for row in page.rows]
    return ExportPage(header=USER_COLUMNS, rows=rows, next=page.next)


async def export_purchases(after: tuple[datetime, str] | None, size: int) -> ExportPage:
    """Purchases by (created_at, id), without what was delivered."""
    return await _by_time(Purchase, PURCHASE_COLUMNS, after, size)


async def export_payments(after: tuple[datetime, str] | None, size: int) -> ExportPage:
    """Payments by (created_at, id); `amount` is in the shop's currency, `provider_amount` in the
    smallest units of `currency`."""
    return await _by_time(Payment, PAYMENT_COLUMNS, after, size)


async def export_ledger(after: int | None, size: int) -> ExportPage:
    """Ledger entries by id (the order they were written); debits are negative amounts."""
    return await _by_id(LedgerEntry, LEDGER_COLUMNS, after, size)


EXPORTS: dict[str, Callable[[Any, int], Awaitable[ExportPage]]] = {
    "users": export_users,
    "purchases": export_purchases,
    "payments": export_payments,
    "ledger": export_ledger,
}
EXPORT_TABLES = tuple(EXPORTS)


async def export_page(table: str, after: ExportCursor | None, size: int) -> ExportPage:
    """The page of `table` (one of EXPORT_TABLES) after cursor `after` (None: the first page), at most
    `size` rows. Pass the page's `next` to read the one after; it is None after the last page.

    Error handling: ValueError for an unknown table or a size below 1.
    """
    if table not in EXPORTS:
        raise ValueError(f"unknown table {table!r}: use {', '.join(EXPORT_TABLES)}")
    if size < 1:
        raise ValueError("size must be at least 1")
    return await EXPORTS[table](after, size)
