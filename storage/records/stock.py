"""Stock and bulk catalog imports: what an import did, one unsold unit as the staff sees it, the rows of
a catalog file."""

from datetime import datetime
from decimal import Decimal

from storage.records.base import Record


class StockImport(Record, frozen=True):
    """What an import of stock lines did: `duplicates` are lines equal to a unit the item already had
    (sold or not) or to an earlier line; `empty` are blank lines; `stock_left` is the count after."""

    added: int
    duplicates: int
    empty: int
    stock_left: int


class StockUnitRecord(Record, frozen=True):
    id: int
    content: str
    created_at: datetime


class CatalogRow(Record, frozen=True):
    """One row of a catalog import (see storage/catalog_import.py for what the columns mean); `line` is
    where it starts in the file, for errors. Empty text means the column was left empty."""

    line: int
    title: str
    category: str = ""
    subcategory: str = ""
    price: Decimal | None = None
    kind: str = ""
    description: str = ""
    content: str = ""
    unit: str = ""


class CatalogImport(Record, frozen=True):
    categories_created: int
    items_created: int
    units_added: int
    duplicates: int
