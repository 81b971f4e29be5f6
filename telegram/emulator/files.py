"""Files in the chat: what a user's document or photo looks like, getFile, and the download route.

Every file lives once in `emu.files` (see `Emulator.store_file`), numbered in the order it was stored.
Its file_id is the bot's it was sent to or uploaded by, as on Telegram: another bot's getFile or send
method does not know it.
getFile gives it a `file_path`, "<kind>/file_<n><ext>" ("documents/file_12.txt", "photos/file_13.jpg"),
and from then on `GET /file/bot<token>/<file_path>` serves its bytes to any bot of the emulator, as
Telegram's file server does; everything else on that route is 404 "Not Found" (a wrong token too).
"""

import math
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from .errors import bad_request
from .images import image_size, scaled_sizes
from .params import get_str
from .state import BotRecord, StoredFile

if TYPE_CHECKING:
    from .core import Emulator

# "For the moment, bots can download files of up to 20MB in size" (getFile).
DOWNLOAD_LIMIT = 20 * 1024 * 1024
# A photo as Telegram delivers it: scaled copies, smallest first, the original size last (see
# images.scaled_sizes: the sizes follow what the image's header says). The emulator scales no image, so each
# copy is the photo's bytes cut to its share of the largest area: a bot that downloads a thumbnail instead of
# the last size gets a shorter file than was sent, as on Telegram. A user's photo in a test may be
# placeholder bytes no header describes: it is taken for an 800×600 picture, with these sizes.
PHOTO_SIZES = ((90, 67), (320, 240), (800, 600))
# A photo sent by URL: the emulator fetches nothing, so it cannot know the size either.
UNKNOWN_SIZE = PHOTO_SIZES[-1]


def document_fields(stored: StoredFile) -> dict[str, Any]:
    """The Document object a message carries for `stored`."""
    out: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    if stored.file_name is not None:
        out["file_name"] = stored.file_name
    if stored.mime_type:
        out["mime_type"] = stored.mime_type
    if stored.content is not None:
        out["file_size"] = len(stored.content)
    return out


def photo_sizes(emu: "Emulator", bot: BotRecord, content: bytes) -> list[dict[str, Any]]:
    """Store a photo sent to or by `bot` as its PhotoSizes (each its own file) and return them, smallest first."""
    dimensions = image_size(content)
    scaled = scaled_sizes(*dimensions) if dimensions else PHOTO_SIZES
    largest = scaled[-1][0] * scaled[-1][1]
    sizes = []
    for width, height in scaled:
        share = content[: math.ceil(len(content) * width * height / largest)]
        stored = emu.store_file(None, share, "image/jpeg", kind="photos", bot=bot, dimensions=(width, height))
        sizes.append(photo_size(stored))
    for size in sizes:
        emu.photo_sets[size["file_id"]] = sizes
    return sizes


def photo_size(stored: StoredFile) -> dict[str, Any]:
    """The PhotoSize of one stored photo file."""
    width, height = stored.dimensions or UNKNOWN_SIZE
    size: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "width": width, "height": height}
    if stored.content is not None:
        size["file_size"] = len(stored.content)
    return size


async def get_file(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    stored = emu.files.get(get_str(p, "file_id") or "")
    if stored is None or not stored.known_to(bot):
        raise bad_request("invalid file_id")
    answer: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    if stored.content is None:
        return answer  # sent by URL: the emulator never fetched it, so it has nothing to serve
    if len(stored.content) > DOWNLOAD_LIMIT:
        raise bad_request("file is too big")
    path = _file_path(stored)
    emu.file_paths[path] = stored
    return {**answer, "file_size": len(stored.content), "file_path": path}


def downloadable(emu: "Emulator", token: str, file_path: str) -> StoredFile | None:
    """The file `GET /file/bot<token>/<file_path>` serves, or None (answered 404)."""
    if not any(bot.token == token for bot in emu.bots):
        return None
    return emu.file_paths.get(file_path)


def _file_path(stored: StoredFile) -> str:
    suffix = ".jpg" if stored.kind == "photos" else PurePosixPath(stored.file_name or "").suffix
    if not suffix[1:].isalnum():
        suffix = ""  # only a plain extension goes into the URL path
    return f"{stored.kind}/file_{stored.number}{suffix}"
