"""The staff's stock screen: the items that take stock with their counts; one item's unsold units,
with Remove (which asks first); adding units by sending lines of text or a .txt/.csv document (one
unit per line, each at most UNIT_MAX characters: a longer line refuses the whole list).

Duplicates (a unit the item already has, sold or not, or a line given twice) and blank lines are
skipped and counted. A large import goes in chunks, each one transaction, with a progress message
edited as it goes. Needs the stock permission, checked on every press and every answer.
"""

from typing import Any

from storage import NotStockable, Permission, UnknownItem
from telegram.errors import TelegramError
from telegram.routing import Context, Router, Row, keyboard
from telegram.screens.admin.callbacks import AddStock, AdminItem, ItemStock, OpenStock, RemoveUnit
from telegram.screens.admin.panel import back_row, cancel_row
from telegram.screens.admin.uploads import download_document
from telegram.screens.paging import pager
from telegram.types import Document

router = Router(name=__name__, need=Permission.STOCK)

PAGE_SIZE = 8
UNIT_LABEL = 40
# Units per transaction of a large import; past one chunk a progress message is shown.
CHUNK = 2000
DOCUMENT_SUFFIXES = (".txt", ".csv")
# The longest unit, in characters: a key or an account fits in one message with room to spare.
UNIT_MAX = 4096


@router.callback(OpenStock, action="stock.view")
async def stock(ctx: Context, data: OpenStock) -> None:
    page = await ctx.shop.store.stock_items(data.page, PAGE_SIZE)
    rows = [
        [(ctx.t.plain("admin.stock.item_button", title=item.title, stock=item.stock_left), ItemStock(item_id=item.id))]
        for item in page.rows
    ]
    pages = pager(ctx, page, lambda number: OpenStock(page=number))
    text = ctx.t("admin.stock.title") if page.total else ctx.t("admin.stock.none")
    await ctx.show(text, keyboard(*rows, *([pages] if pages else []), back_row(ctx)))


@router.callback(ItemStock, action="stock.view")
async def item_stock(ctx: Context, data: ItemStock) -> None:
    await _show_item_stock(ctx, data.item_id, data.page)


async def _show_item_stock(ctx: Context, item_id: int, page_number: int = 1, *, new: bool = False) -> None:
    item = await ctx.shop.store.admin_item(item_id)
    if item is None or item.kind != "unique":
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    page = await ctx.shop.store.unsold_units(item_id, page_number, PAGE_SIZE)
    rows: list[Row] = [
        [
            (
                ctx.t.plain("admin.stock.remove_button", unit=_short(unit.content)),
                RemoveUnit(item_id=item_id, unit_id=unit.id, page=page.number),
            )
        ]
        for unit in page.rows
    ]
    pages = pager(ctx, page, lambda number: ItemStock(item_id=item_id, page=number))
    rows += [pages] if pages else []
    rows.append([(ctx.t.plain("admin.stock.button.add"), AddStock(item_id=item_id))])
    rows.append(
        [
            (ctx.t.plain("admin.stock.button.item"), AdminItem(item_id=item_id)),
            (ctx.t.plain("admin.stock.button.list"), OpenStock()),
        ]
    )
    text = ctx.t("admin.stock.item", title=item.title, stock=item.stock_left)
    if new:
        await ctx.reply(text, keyboard(*rows))
    else:
        await ctx.show(text, keyboard(*rows))


def _short(content: str) -> str:
    line = " ".join(content.split())
    return line if len(line) <= UNIT_LABEL else line[: UNIT_LABEL - 1] + "…"


@router.callback(RemoveUnit, action="stock.remove")
async def remove_unit(ctx: Context, data: RemoveUnit) -> None:
    """🗑 on a unit asks first, showing the unit; "Yes, remove" removes it."""
    if not data.confirmed:
        await _confirm_removal(ctx, data)
        return
    removed = await ctx.shop.store.remove_unit(data.unit_id, actor_id=ctx.user.id)
    await ctx.notify(ctx.t.plain("admin.stock.removed" if removed else "admin.stock.not_removed"))
    await _show_item_stock(ctx, data.item_id, data.page)


async def _confirm_removal(ctx: Context, data: RemoveUnit) -> None:
    item = await ctx.shop.store.admin_item(data.item_id)
    page = await ctx.shop.store.unsold_units(data.item_id, data.page, PAGE_SIZE)
    unit = next((unit for unit in page.rows if unit.id == data.unit_id), None)
    if item is None or unit is None:
        # Sold or removed since the list was drawn: nothing to ask about.
        await ctx.notify(ctx.t.plain("admin.stock.not_removed"))
        await _show_item_stock(ctx, data.item_id, data.page)
        return
    confirm = RemoveUnit(item_id=data.item_id, unit_id=data.unit_id, page=data.page, confirmed=True)
    await ctx.show(
        ctx.t("admin.stock.confirm_remove", title=item.title, unit=_short(unit.content)),
        keyboard(
            [
                (ctx.t.plain("admin.stock.button.confirm_remove"), confirm),
                (ctx.t.plain("button.back"), ItemStock(item_id=data.item_id, page=data.page)),
            ]
        ),
    )


@router.callback(AddStock, action="stock.add")
async def add_stock(ctx: Context, data: AddStock) -> None:
    await ctx.expect("stock_add", item_id=data.item_id)
    await ctx.show(ctx.t("admin.stock.ask"), keyboard(cancel_row(ctx)))


@router.pending("stock_add", action="stock.add")
async def units_sent(ctx: Context, text: str, data: dict[str, Any]) -> None:
    item_id = int(data.get("item_id") or 0)
    document = ctx.message.document if ctx.message is not None else None
    if document is not None:
        content = await _read_document(ctx, document)
        if content is None:
            return
        text = content
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        await ctx.reply(ctx.t("admin.stock.empty"), keyboard(cancel_row(ctx)))
        return
    too_long = next((number for number, line in enumerate(lines, start=1) if len(line.strip()) > UNIT_MAX), None)
    if too_long is not None:
        await ctx.reply(ctx.t("admin.stock.line_too_long", line=too_long, limit=UNIT_MAX), keyboard(cancel_row(ctx)))
        return
    await ctx.forget()
    await _import(ctx, item_id, lines)


async def _read_document(ctx: Context, document: Document) -> str | None:
    """The document's text, or None (and why) when it is not a UTF-8 .txt/.csv file the bot can read."""
    name = (document.file_name or "").lower()
    if not name.endswith(DOCUMENT_SUFFIXES):
        await ctx.reply(ctx.t("admin.stock.bad_document"), keyboard(cancel_row(ctx)))
        return None
    raw = await download_document(ctx, document)
    if raw is None:
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        await ctx.reply(ctx.t("admin.stock.not_utf8"), keyboard(cancel_row(ctx)))
        return None


async def _import(ctx: Context, item_id: int, lines: list[str]) -> None:
    added = duplicates = empty = 0
    progress = None
    if len(lines) > CHUNK:
        progress = await ctx.bot.send_message(ctx.chat_id, ctx.t("admin.stock.progress", done=0, total=len(lines)))
    for start in range(0, len(lines), CHUNK):
        try:
            result = await ctx.shop.store.import_stock(item_id, lines[start : start + CHUNK], actor_id=ctx.user.id)
        except (UnknownItem, NotStockable):
            await ctx.reply(ctx.t("admin.catalog.error.gone"), keyboard(back_row(ctx)))
            return
        added, duplicates, empty = added + result.added, duplicates + result.duplicates, empty + result.empty
        if progress is not None:
            done = min(start + CHUNK, len(lines))
            try:
                await ctx.bot.edit_message_text(
                    ctx.chat_id, progress.message_id, ctx.t("admin.stock.progress", done=done, total=len(lines))
                )
            except TelegramError:
                pass  # the progress line is a courtesy; the summary follows
    await ctx.reply(ctx.t("admin.stock.imported", added=added, duplicates=duplicates, empty=empty))
    await _show_item_stock(ctx, item_id, new=True)
