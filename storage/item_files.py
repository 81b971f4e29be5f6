"""A file item's document on its way to a buyer: the bytes for an upload, the file_id after it.

Telegram keeps every document a bot uploads and answers with a file_id the bot may send again instead
of the bytes. The item keeps the file_id of its first upload (`Item.file_id`), and purchases carry it
(`Delivered.file_id`); the bytes (up to 50 MB, sealed at rest) are read and unsealed only here, when
there is no file_id to send or Telegram refused the one kept (a file_id belongs to one bot: another
token's bot cannot use it). No screen reads them.
"""

from typing import cast

from storage.catalog import ID_MAX
from storage.models import Item, ItemKind
from storage.records import ItemFile
from storage.vault import vault


async def item_file(item_id: int) -> ItemFile | None:
    """The item's document, unsealed, for an upload; None when the item has no file (or no such item).
    Hidden and deleted items included: their buyers get their goods again from history."""
    if not 0 < item_id <= ID_MAX:
        return None
    found = cast(
        tuple[str | None, bytes] | None,
        await Item.filter(id=item_id, kind=ItemKind.FILE, file_data__not_isnull=True)
        .first()
        .values_list("file_name", "file_data"),
    )
    if found is None:
        return None
    name, sealed = found
    return ItemFile(item_id=item_id, file_name=name or "file", data=vault().open_bytes(bytes(sealed)))


async def keep_file_id(item_id: int, file_id: str) -> None:
    """Remember the file_id Telegram gave an upload of the item's document: the next deliveries send it
    instead of the bytes. A later upload's file_id replaces it (both stay valid; the newest is kept)."""
    await Item.filter(id=item_id, kind=ItemKind.FILE).update(file_id=file_id)
