"""The pager row under every list that can grow: "‹ 3/417 ›"."""

from collections.abc import Callable

from storage import Page
from telegram.callback_data import CallbackData
from telegram.routing import Context, Router, Row

router = Router(name=__name__)


class PagePosition(CallbackData, prefix="pos"):
    """The "3/417" label between the arrows: pressing it does nothing."""


def pager[T](ctx: Context, page: Page[T], to_page: Callable[[int], CallbackData]) -> Row:
    """‹ and › around the position, each only where there is a page to go to; no row for one page."""
    if page.pages <= 1:
        return []
    row: Row = []
    if page.number > 1:
        row.append((ctx.t.plain("paging.previous"), to_page(page.number - 1)))
    row.append((ctx.t.plain("paging.position", page=page.number, pages=page.pages), PagePosition()))
    if page.number < page.pages:
        row.append((ctx.t.plain("paging.next"), to_page(page.number + 1)))
    return row


@router.callback(PagePosition)
async def position(ctx: Context, _data: PagePosition) -> None:
    await ctx.notify()
