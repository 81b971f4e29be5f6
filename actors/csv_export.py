"""`shopkeeper export`: a table of the shop written to a CSV file that a spreadsheet opens safely.

The file is UTF-8 with a header row, written by the csv module. Money is a plain decimal with two
places ("12.50"), datetimes are ISO 8601 in UTC, booleans are true/false, an absent value is empty.

Spreadsheet safety (OWASP, "CSV injection"): a text cell that starts with =, +, -, @, a tab or a
carriage return gets a single quote ' in front, so a spreadsheet shows it as text instead of running
it as a formula; the first name "=HYPERLINK(...)" is written as "'=HYPERLINK(...)". Numbers (ids,
counts, money) are written as they are: they come from numeric columns, never from what a user typed,
so a ledger debit stays -10.00 and sums like any number. Timestamps and booleans cannot start with a
dangerous character.
"""

import contextlib
import csv
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from storage import ExportCell, Store

# Rows read per crossing: one short transaction each, and a page held in memory at a time.
PAGE_SIZE = 5000
# What a line of the summary calls the rows of each table.
NOUNS = {"users": "users", "purchases": "purchases", "payments": "payments", "ledger": "ledger entries"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: ExportCell) -> str:
    """A cell as written to the file; text that a spreadsheet would take for a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


async def write_table(store: Store, table: str, file: TextIO, *, page_size: int = PAGE_SIZE) -> int:
    """Write `table` (one of storage.EXPORT_TABLES) to `file` as CSV, header first; returns the rows
    written. Reads a page of `page_size` rows per crossing."""
    writer = csv.writer(file)
    page = await store.export_page(table, None, page_size)
    writer.writerow(page.header)
    count = 0
    while True:
        writer.writerows([cell_text(value) for value in row] for row in page.rows)
        count += len(page.rows)
        if page.next is None:
            return count
        page = await store.export_page(table, page.next, page_size)


@contextmanager
def open_replacing(path: Path) -> Iterator[TextIO]:
    """A text file (UTF-8, for csv) that replaces `path` when the block ends without error.

    Resource handling: the rows go to a temporary file next to `path`, renamed over it at the end, so
    `path` is either left as it was or holds the whole new file; the file is readable by its owner
    only, like every temporary file. Error handling: OSError when the temporary file cannot be created
    or written or the rename fails; on any error the temporary file is removed.
    """
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with open(descriptor, "w", encoding="utf-8", newline="") as file:
            yield file
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
