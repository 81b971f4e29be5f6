"""The base of every record, and a page of a longer list."""

import msgspec


class Record(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every record. msgspec makes subclasses frozen at run time; each subclass still says
    `frozen=True` because type checkers follow PEP 681, under which frozenness is not inherited."""


class Page[T](Record, frozen=True):
    """One page of a longer list: `number` is 1-based and within 1..pages."""

    rows: list[T]
    number: int
    pages: int
    total: int
