"""Reading the file of `shopkeeper catalog import`: CSV whose first line names the columns (any order,
any subset that includes `title`), then one row per item definition or stock unit. What the rows mean
is storage's rule (storage/catalog_import.py); this module only turns text into rows, naming the line
and column of anything it cannot read.
"""

import csv
import io

from storage import CatalogRow
from telegram.amounts import parse_change

COLUMNS = ("category", "subcategory", "title", "price", "kind", "description", "content", "unit")


class CsvRejected(Exception):
    """A line of the file that cannot be read; `column` is a header name or a field's position."""

    def __init__(self, line: int, column: str, reason: str) -> None:
        super().__init__(f"line {line}, column {column}: {reason}")
        self.line = line
        self.column = column
        self.reason = reason


def parse_catalog(text: str) -> list[CatalogRow]:
    """The rows of the file's text (a UTF-8 byte-order mark already removed); blank rows are skipped."""
    # strict: a stray or unclosed quote is an error, not a field that swallows the lines after it.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        names = _header(next(reader, None))
        rows = []
        end = reader.line_num
        for fields in reader:
            # A quoted field may span lines: a row is named by the line it starts on.
            line, end = end + 1, reader.line_num
            if not any(field.strip() for field in fields):
                continue
            if len(fields) > len(names):
                raise CsvRejected(line, str(len(names) + 1), f"{len(fields)} fields, but the header names {len(names)} columns")
            # A short row leaves its last columns empty.
            values = dict(zip(names, (field.strip() for field in fields), strict=False))
            rows.append(_row(line, values))
    except csv.Error as error:
        raise CsvRejected(reader.line_num, "-", f"not readable as CSV: {error}") from None
    return rows


def _header(fields: list[str] | None) -> list[str]:
    if fields is None:
        raise CsvRejected(1, "-", f"the file is empty: its first line names the columns ({','.join(COLUMNS)})")
    names = [field.strip().lower() for field in fields]
    for position, name in enumerate(names, start=1):
        if name not in COLUMNS:
            raise CsvRejected(1, name or str(position), f"unknown column: use {','.join(COLUMNS)}")
        if names.index(name) != position - 1:
            raise CsvRejected(1, name, "named twice")
    if "title" not in names:
        raise CsvRejected(1, "title", f"missing: the first line names the columns ({','.join(COLUMNS)})")
    return names


def _row(line: int, values: dict[str, str]) -> CatalogRow:
    price = values.get("price", "")
    # Read as the chat and the other commands read an amount; storage then checks it is above zero.
    amount = parse_change(price) if price else None
    if price and amount is None:
        raise CsvRejected(line, "price", f"{price!r} is not an amount (digits with at most two decimal places, like 12.50)")
    return CatalogRow(
        line=line,
        title=values.get("title", ""),
        category=values.get("category", ""),
        subcategory=values.get("subcategory", ""),
        price=amount,
        kind=values.get("kind", "").lower(),
        description=values.get("description", ""),
        content=values.get("content", ""),
        unit=values.get("unit", ""),
    )
