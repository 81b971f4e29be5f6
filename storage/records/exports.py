"""Tables read out for export, a page at a time."""

from datetime import datetime
from decimal import Decimal

from storage.records.base import Record

# A cell of an exported row: numbers stay numbers (money a Decimal at two places), datetimes are UTC.
ExportCell = str | int | Decimal | bool | datetime | None


# Where an export page ends: the last row's id (users, ledger) or its (created_at, id) (purchases,
# payments, whose ids are random).
ExportCursor = int | tuple[datetime, str]


class ExportPage(Record, frozen=True):
    """A page of a table read out for export: `next` is the cursor to pass for the page after, None
    after the last one."""

    header: tuple[str, ...]
    rows: list[tuple[ExportCell, ...]]
    next: ExportCursor | None
