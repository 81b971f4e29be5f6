"""Sending a purchase's goods: at purchase time, again from history, and after a direct payment."""

from storage import Delivered
from telegram.client import BotClient
from telegram.routing.context import send_long
from telegram.texts import Texts, code_block


async def send_delivery(bot: BotClient, chat_id: int, t: Texts, delivered: Delivered) -> None:
    """Secrets in <code> blocks (as a .txt document when too long for one message), or the item's file."""
    if delivered.kind == "file":
        if delivered.file_data is None:
            await bot.send_message(chat_id, t("delivery.file_missing", title=delivered.item_title))
            return
        caption = t("delivery.document", title=delivered.item_title, purchase_id=delivered.purchase_id)
        await bot.send_document(chat_id, delivered.file_name or "file", delivered.file_data, caption=caption)
        return
    text = t("buy.delivery", title=delivered.item_title, units=code_block(delivered.units), purchase_id=delivered.purchase_id)
    await send_long(
        bot, chat_id, text,
        filename=f"purchase-{delivered.purchase_id}.txt",
        file_text="\n".join(delivered.units),
        caption=t("buy.delivery_file", title=delivered.item_title),
    )
