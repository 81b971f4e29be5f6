"""Media beyond photos and documents: videos, animations, stickers, media groups, and editMessageMedia.

    sendVideo / sendAnimation   a Video / Animation (an animation's message carries it as a document too,
                                as Telegram's do); width, height and duration as the bot gave them, 0 when
                                not given (the emulator decodes no video)
    sendSticker                 a regular Sticker; its size from a WebP or PNG header (else 512×512), a .tgs
                                file is animated and a .webm one a video sticker; no caption
    sendMediaGroup              2-10 InputMediaPhoto / InputMediaVideo / InputMediaDocument, each a message
                                of its own with one media_group_id; an array of Messages
    editMessageMedia            the media of a bot message with media replaced by an InputMedia (photo,
                                video, animation or document)

Files are named as in sendPhoto and sendDocument: uploaded (directly or by attach://), by file_id or by
URL. Error texts: "there is no media in the message to edit" follows the server's pattern for
editMessageCaption; for a media group of the wrong size no source gives the wording,
so it is MTProto's MEDIA_GROUP_INVALID (its name for a bad album), and an InputMedia that does not parse
is "can't parse InputMedia JSON object".
"""

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import bad_request
from .files import document_fields
from .images import image_size
from .methods import (
    apply_edit,
    document_of,
    markup_of,
    mime_type_of,
    named_file,
    own_message,
    photo_sizes_of,
    upload_of,
    with_caption,
)
from .params import chat_id_of, get_int, get_json, get_str
from .replies import bot_view, reply_fields
from .state import BotRecord, StoredFile

if TYPE_CHECKING:
    from .core import Emulator

GROUP_SIZE = range(2, 11)
STICKER_SIZE = (512, 512)
MEDIA = ("photo", "video", "animation", "document", "audio", "sticker", "caption", "caption_entities")
_group_ids = itertools.count(13_000_000_000_000_001)


def _file(emu: "Emulator", bot: BotRecord, p: dict[str, Any], field: str) -> StoredFile:
    upload = upload_of(p, field)
    if upload is None:
        return named_file(emu, bot, p, field)
    return emu.store_file(upload.filename, upload.content, mime_type_of(upload.filename, upload.content_type), bot=bot)


def _moving(emu: "Emulator", bot: BotRecord, p: dict[str, Any], field: str) -> dict[str, Any]:
    """A Video or Animation: the file's fields with the size and duration the bot gave."""
    stored = _file(emu, bot, p, field)
    sizes = {name: get_int(p, name, 0) or 0 for name in ("width", "height", "duration")}
    return {**document_fields(stored), **sizes}


async def _send(emu: "Emulator", bot: BotRecord, p: dict[str, Any], build: Callable[[], dict[str, Any]]) -> Any:
    chat = emu.chat_for_bot(bot, chat_id_of(p))
    replied = reply_fields(chat, p)
    fields = with_caption(p, build())
    return bot_view(chat.add(bot.as_user(), emu.unix_now(), {**replied, **fields}))


async def send_video(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    return await _send(emu, bot, p, lambda: {"video": _moving(emu, bot, p, "video")})


async def send_animation(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    def build() -> dict[str, Any]:
        animation = _moving(emu, bot, p, "animation")
        document = {k: v for k, v in animation.items() if k not in ("width", "height", "duration")}
        return {"animation": animation, "document": document}

    return await _send(emu, bot, p, build)


async def send_sticker(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    chat = emu.chat_for_bot(bot, chat_id_of(p))
    replied = reply_fields(chat, p)
    stored = _file(emu, bot, p, "sticker")
    name = (stored.file_name or "").lower()
    width, height = (image_size(stored.content) if stored.content else None) or STICKER_SIZE
    sticker: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "type": "regular",
        "width": width,
        "height": height,
        "is_animated": name.endswith(".tgs"),
        "is_video": name.endswith(".webm"),
    }
    if stored.content is not None:
        sticker["file_size"] = len(stored.content)
    if get_str(p, "emoji"):
        sticker["emoji"] = get_str(p, "emoji")
    fields: dict[str, Any] = {**replied, "sticker": sticker}
    markup = markup_of(p)
    if markup is not None:
        fields["reply_markup"] = markup
    return bot_view(chat.add(bot.as_user(), emu.unix_now(), fields))


def _input_media(emu: "Emulator", bot: BotRecord, p: dict[str, Any], item: Any, kinds: tuple[str, ...]) -> dict[str, Any]:
    """The message fields of one InputMedia: its file (the request's attachments are reachable by attach://)
    and its caption."""
    if not isinstance(item, dict) or item.get("type") not in kinds or not item.get("media"):
        raise bad_request("can't parse InputMedia JSON object")
    kind = item["type"]
    sub = {key: value for key, value in p.items() if key not in ("caption", "caption_entities", "parse_mode", "reply_markup")}
    sub.update({k: item[k] for k in ("caption", "caption_entities", "parse_mode", "width", "height", "duration") if k in item})
    sub[kind] = item["media"]
    if kind == "photo":
        media: dict[str, Any] = {"photo": photo_sizes_of(emu, bot, sub)}
    elif kind == "document":
        media = {"document": document_of(emu, bot, sub)}
    else:
        media = {kind: _moving(emu, bot, sub, kind)}
    return with_caption(sub, media)


async def send_media_group(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    chat = emu.chat_for_bot(bot, chat_id_of(p))
    items = get_json(p, "media", "can't parse InputMedia JSON object")
    if not isinstance(items, list) or len(items) not in GROUP_SIZE:
        raise bad_request("MEDIA_GROUP_INVALID")
    replied = reply_fields(chat, p)
    contents = [_input_media(emu, bot, p, item, ("photo", "video", "document")) for item in items]
    group_id = str(next(_group_ids))
    now = emu.unix_now()
    sender = bot.as_user()
    return [bot_view(chat.add(sender, now, {**replied, "media_group_id": group_id, **content})) for content in contents]


async def edit_message_media(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    chat, message = own_message(emu, bot, p, "message to edit not found")
    if not any(key in message for key in ("photo", "video", "animation", "document", "audio")):
        raise bad_request("there is no media in the message to edit")
    item = get_json(p, "media", "can't parse InputMedia JSON object")
    content = _input_media(emu, bot, p, item, ("photo", "video", "animation", "document"))
    return apply_edit(emu, chat, message, {**dict.fromkeys(MEDIA), **content, "reply_markup": markup_of(p)})
