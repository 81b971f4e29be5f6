"""Files the staff send in the chat (a stock list, an item's file): fetched from Telegram, bounded."""

from telegram.errors import TelegramError
from telegram.routing import Context, keyboard
from telegram.screens.admin.panel import cancel_row
from telegram.types import Document

# Telegram lets bots download files of up to 20 MB.
MAX_DOCUMENT = 20 * 1024 * 1024


async def download_document(ctx: Context, document: Document) -> bytes | None:
    """The document's bytes, or None when it cannot be had (too big, or Telegram failed): the staff
    member is told why, and the question they were answering stays open."""
    if document.file_size is not None and document.file_size > MAX_DOCUMENT:
        await ctx.reply(ctx.t("admin.stock.too_big"), keyboard(cancel_row(ctx)))
        return None
    try:
        found = await ctx.bot.get_file(document.file_id)
        return await ctx.bot.download_file(found.file_path or "", max_bytes=MAX_DOCUMENT)
    except TelegramError as error:
        await ctx.reply(ctx.t("admin.stock.download_failed", reason=str(error)), keyboard(cancel_row(ctx)))
        return None
