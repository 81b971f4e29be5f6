"""The base of every record, and a page of a longer list."""

import msgspec


class Record(msgspec.Struct, frozen=True, kw_only=True):
    pass


class Page[T](Record):
    """One page of a longer list: `number` is 1-based and within 1..pages."""

    rows: list[T]
    number: int
    pages: int
    total: int
