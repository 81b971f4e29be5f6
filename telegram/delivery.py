"""Sending a purchase's goods: at purchase time, again from history, and after a direct payment.

Secrets go in <code> blocks with link previews off: Telegram fetches a link in a message to draw its
preview, and a key may well be a link (a redeem URL). A document's caption never gets a preview.

A file item's document is uploaded once: its upload's file_id is kept with the item
(`Store.keep_file_id`) and sent from then on, so a sale reads and sends no bytes. The bytes are read
(and unsealed) only when there is no kept file_id, or when Telegram refuses the kept one (file_ids
belong to one bot: after a change of bot token every kept one is refused); the new upload's file_id
replaces it.
"""

import logging

from storage import Delivered, StorageError, Store
from telegram.client import BotClient
from telegram.errors import BadRequest
from telegram.routing.context import send_long
from telegram.texts import Texts, code_block

log = logging.getLogger(__name__)


async def send_delivery(bot: BotClient, store: Store, chat_id: int, t: Texts, delivered: Delivered) -> None:
    """Secrets in <code> blocks (as a .txt document when too long for one message), or the item's file."""
    if delivered.kind == "file":
        await _send_file(bot, store, chat_id, t, delivered)
        return
    text = t("buy.delivery", title=delivered.item_title, units=code_block(delivered.units), purchase_id=delivered.purchase_id)
    await send_long(
        bot,
        chat_id,
        text,
        filename=f"purchase-{delivered.purchase_id}.txt",
        file_text="\n".join(delivered.units),
        caption=t("buy.delivery_file", title=delivered.item_title),
        disable_web_page_preview=True,
    )


async def _send_file(bot: BotClient, store: Store, chat_id: int, t: Texts, delivered: Delivered) -> None:
    caption = t("delivery.document", title=delivered.item_title, purchase_id=delivered.purchase_id)
    if delivered.file_id is not None:
        try:
            await bot.send_document_id(chat_id, delivered.file_id, caption=caption)
            return
        except BadRequest as error:
            if not error.wrong_file:
                raise
            log.info("item %s: Telegram refused the kept file_id (%s): uploading the file again", delivered.item_id, error)
    document = await store.item_file(delivered.item_id)
    if document is None:
        await bot.send_message(chat_id, t("delivery.file_missing", title=delivered.item_title), disable_web_page_preview=True)
        return
    sent = await bot.send_document(chat_id, document.file_name, document.data, caption=caption)
    if sent.document is None:
        return
    try:
        await store.keep_file_id(delivered.item_id, sent.document.file_id)
    except StorageError as error:
        # The buyer has the file; the next sale uploads it again and tries to keep that file_id.
        log.warning("item %s: upload's file_id not kept: %s", delivered.item_id, error)
