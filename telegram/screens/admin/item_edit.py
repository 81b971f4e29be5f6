"""Editing an item from the staff's item card: its title, price, description or picture, one typed
answer each. Needs the catalog permission, checked on the press and on the answer. A typed value is
bounded here (the title by its column, the description by MAX_DESCRIPTION, the picture by what
Telegram takes) and refused in the staff member's language before it reaches the store; the
question stays open for another try.
"""

from typing import Any

from storage import PHOTO_REF, Duplicate, InvalidItem, Permission, UnknownItem
from telegram.amounts import parse_amount
from telegram.routing import Context, Router, keyboard
from telegram.screens.admin.callbacks import EditItem
from telegram.screens.admin.categories import NAME_MAX, refuse_value
from telegram.screens.admin.items import show_item
from telegram.screens.admin.panel import cancel_row

router = Router(name=__name__, need=Permission.CATALOG)

FIELD_QUESTION = {
    "title": "admin.catalog.ask.title",
    "price": "admin.catalog.ask.price",
    "description": "admin.catalog.ask.description",
    "photo": "admin.catalog.ask.photo",
}
MAX_DESCRIPTION = 1000
# Typed to remove a description or a photo.
NONE_WORDS = frozenset({"-", "—"})


@router.callback(EditItem, action="item.edit")
async def edit_item(ctx: Context, data: EditItem) -> None:
    if data.field not in FIELD_QUESTION:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    await ctx.expect("catalog_item_edit", item_id=data.item_id, field=data.field)
    await ctx.show(ctx.t(FIELD_QUESTION[data.field]), keyboard(cancel_row(ctx)))


@router.pending("catalog_item_edit", action="item.edit")
async def item_edited(ctx: Context, text: str, data: dict[str, Any]) -> None:
    item_id, field = int(data.get("item_id") or 0), data.get("field")
    value = text.strip()
    changes: dict[str, Any] = {}
    if field == "price":
        price = parse_amount(value)
        if price is None or price <= 0:
            await ctx.reply(ctx.t("admin.catalog.error.price"), keyboard(cancel_row(ctx)))
            return
        changes["price"] = price
    elif field == "description":
        if len(value) > MAX_DESCRIPTION:
            await ctx.reply(ctx.t("admin.catalog.error.description"), keyboard(cancel_row(ctx)))
            return
        changes["description"] = "" if value in NONE_WORDS else value
    elif field == "photo":
        sent = ctx.message.photo if ctx.message is not None else None
        if not sent and value not in NONE_WORDS and not PHOTO_REF.fullmatch(value):
            await ctx.reply(ctx.t("admin.catalog.error.photo"), keyboard(cancel_row(ctx)))
            return
        # A picture sent in the chat is kept by its largest size's file_id (Telegram lists them smallest first).
        changes["photo"] = sent[-1].file_id if sent else "" if value in NONE_WORDS else value
    else:
        if not value or len(value) > NAME_MAX:
            await ctx.reply(ctx.t("admin.catalog.error.title"), keyboard(cancel_row(ctx)))
            return
        changes["title"] = value
    try:
        await ctx.shop.store.update_item(item_id, actor_id=ctx.user.id, **changes)
    except (Duplicate, InvalidItem, UnknownItem) as error:
        await refuse_value(ctx, error)
        return
    await ctx.forget()
    await show_item(ctx, item_id, new=True)
