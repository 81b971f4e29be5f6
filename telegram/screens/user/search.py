"""Search: visible items whose title contains the typed text, in any case and script, a page at a time.

🔍 Search in the main menu, or `/search` alone, asks for the text; `/search text` searches at once.
The query is kept in the key-value store under the user and a short digest of it (the `tag` of the
page buttons), because typed text does not fit in 64 bytes of callback data; a results message
outliving the stored query answers that the search has expired and asks again.
"""

import hashlib

from telegram.routing import Context, Router, keyboard
from telegram.screens.user.callbacks import OpenMenu, SearchPage, StartSearch
from telegram.screens.user.catalog import item_button, jump_pager

router = Router(name=__name__)

# Longest query, in characters: titles are at most 128, and a search is a few words of one.
QUERY_MAX = 64
# How long a search's page buttons keep working.
QUERY_SECONDS = 3600.0


def _query_key(user_id: int, tag: str) -> str:
    return f"search:{user_id}:{tag}"


def _tag(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()[:12]


@router.callback(StartSearch)
async def ask(ctx: Context, _data: StartSearch) -> None:
    await ctx.expect("search")
    await ctx.show(ctx.t("catalog.search.ask"), keyboard([(ctx.t.plain("button.main_menu"), OpenMenu())]))


@router.command("search")
async def search_command(ctx: Context, text: str) -> None:
    if not text:
        await ask(ctx, StartSearch())
        return
    await _search(ctx, text)


@router.pending("search")
async def search_answer(ctx: Context, text: str, _data: dict[str, object]) -> None:
    await _search(ctx, text)


async def _search(ctx: Context, text: str) -> None:
    query = " ".join(text.split())
    if not query or len(query) > QUERY_MAX:
        # Asked again, so the next message is taken as the search.
        await ctx.expect("search")
        back = keyboard([(ctx.t.plain("button.main_menu"), OpenMenu())])
        if query:
            await ctx.reply(ctx.t("catalog.search.too_long", limit=QUERY_MAX), back)
        else:
            await ctx.reply(ctx.t("catalog.search.empty"), back)
        return
    await ctx.forget()
    tag = _tag(query)
    await ctx.shop.store.kv.set(_query_key(ctx.user.id, tag), query, ttl=QUERY_SECONDS)
    await _results(ctx, query, tag, 1)


@router.callback(SearchPage)
async def search_page(ctx: Context, data: SearchPage) -> None:
    query = await ctx.shop.store.kv.get(_query_key(ctx.user.id, data.tag))
    if query is None:
        await ctx.notify(ctx.t.plain("catalog.search.expired"))
        await ask(ctx, StartSearch())
        return
    await _results(ctx, query, data.tag, data.page)


async def _results(ctx: Context, query: str, tag: str, number: int) -> None:
    page = await ctx.shop.store.search_items(query, number, ctx.shop.settings.page_size)
    last = [(ctx.t.plain("catalog.search.again"), StartSearch()), (ctx.t.plain("button.main_menu"), OpenMenu())]
    if not page.total:
        await ctx.show(ctx.t("catalog.search.nothing", query=query), keyboard(last))
        return
    rows = [[item_button(ctx, item)] for item in page.rows]
    pages = jump_pager(ctx, page, lambda n: SearchPage(tag=tag, page=n))
    if pages:
        rows.append(pages)
    await ctx.show(ctx.t.n("catalog.search.found", page.total, query=query), keyboard(*rows, last))
