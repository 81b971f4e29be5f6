"""How far the payment reconciler has read Telegram's record of the bot's Stars transactions, kept in
the settings table so that every process and every restart goes on from there instead of reading the
whole history again."""

from typing import cast

from tortoise.transactions import in_transaction

from storage.models import Setting

STARS_SEEN = "stars.transactions_seen"


async def star_offset() -> int:
    """How many of the bot's Stars transactions (oldest first) were compared with the shop's payments."""
    value = cast(str | None, await Setting.filter(key=STARS_SEEN).first().values_list("value", flat=True))
    return int(value) if value is not None else 0


async def advance_star_offset(offset: int) -> int:
    """Record that the first `offset` transactions were compared; the offset only moves forward (a
    slower reconciler in another process cannot move it back). Returns the offset now recorded."""
    async with in_transaction() as conn:
        row = await Setting.filter(key=STARS_SEEN).using_db(conn).select_for_update().first()
        if row is None:
            await Setting.create(key=STARS_SEEN, value=str(offset), using_db=conn)
            return offset
        if int(row.value) >= offset:
            return int(row.value)
        await Setting.filter(key=STARS_SEEN).using_db(conn).update(value=str(offset))
        return offset
