"""Lazy pagination: a COUNT and one LIMIT/OFFSET read of the page shown, whatever the list's length."""

from collections.abc import Callable
from typing import Any

from tortoise.queryset import QuerySet

from storage.records import Page


def page_count(total: int, size: int) -> int:
    return max(1, -(-total // size))


async def paginate[M, R](query: QuerySet[Any], page: int, size: int, record: Callable[[M], R]) -> Page[R]:
    """Page `page` (1-based) of an ordered query; a page past the end (a stale button) shows the last
    one, a page before the first shows the first."""
    total = await query.count()
    pages = page_count(total, size)
    number = min(max(page, 1), pages)
    rows = await query.offset((number - 1) * size).limit(size)
    return Page(rows=[record(row) for row in rows], number=number, pages=pages, total=total)
