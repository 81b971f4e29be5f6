"""Sending a purchase's goods: at purchase time and again from history."""

from storage import Delivered
from telegram.routing import Context
from telegram.texts import code_block


async def send_delivery(ctx: Context, delivered: Delivered) -> None:
    """Secrets in <code> blocks (as a .txt document when too long for one message), or the item's file."""
    if delivered.kind == "file":
        if delivered.file_data is None:
            await ctx.reply(ctx.t("delivery.file_missing", title=delivered.item_title))
            return
        caption = ctx.t("delivery.document", title=delivered.item_title, purchase_id=delivered.purchase_id)
        await ctx.bot.send_document(ctx.chat_id, delivered.file_name or "file", delivered.file_data, caption=caption)
        return
    text = ctx.t(
        "buy.delivery", title=delivered.item_title, units=code_block(delivered.units), purchase_id=delivered.purchase_id
    )
    await ctx.send_long(
        text,
        filename=f"purchase-{delivered.purchase_id}.txt",
        file_text="\n".join(delivered.units),
        caption=ctx.t("buy.delivery_file", title=delivered.item_title),
    )
