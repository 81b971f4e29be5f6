"""The Bot API methods of messages and commands, one function each: `async def m(emu, bot, params) -> result`.

Each returns the `result` of a successful answer or raises ApiError with the official wording. The other
rooms' methods are in their modules (payments, webhooks, channels, files, chat_actions, profile); the table
of them all is `registry.METHODS`.
"""

import copy
import mimetypes
import secrets
from typing import TYPE_CHECKING, Any

import trio

from .entities import parse_html, utf16_len
from .errors import QUERY_TOO_OLD, ApiError, bad_request
from .files import document_fields, photo_size, photo_sizes
from .images import image_size
from .markdown import parse_markdown, parse_markdown_v2
from .markup import validate_markup
from .params import UploadedFile, chat_id_of, get_bool, get_int, get_json, get_str, require_int
from .replies import bot_view, reply_fields
from .state import BotRecord, Chat, StoredFile

if TYPE_CHECKING:
    from .core import Emulator

# Telegram's limits, in UTF-16 code units of the text after entity parsing (an emoji outside the
# Basic Multilingual Plane counts twice), as Telegram counts them.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ANSWER_TEXT_LIMIT = 200
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a "
    "current content and reply markup of the message"
)
CONFLICT_WEBHOOK = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"

PARSE_MODES = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}


def formatted(params: dict[str, Any], key: str, entities_key: str) -> tuple[str, list[dict[str, Any]]]:
    """Text after entity parsing, with its entities (parse_mode HTML, or explicit entities)."""
    raw = get_str(params, key) or ""
    mode = get_str(params, "parse_mode") or ""
    parse = PARSE_MODES.get(mode.lower()) if mode else None
    if parse is not None:
        return parse(raw)
    if mode:
        raise bad_request("unsupported parse_mode")
    entities = get_json(params, entities_key, "can't parse entities JSON object") or []
    return raw, entities


def _text_fields(params: dict[str, Any]) -> dict[str, Any]:
    text, entities = formatted(params, "text", "entities")
    if not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > TEXT_LIMIT:
        raise bad_request("message is too long")
    fields: dict[str, Any] = {"text": text}
    if entities:
        fields["entities"] = entities
    # The message carries the link preview options it was sent with, as Telegram's do when they were
    # changed from the defaults (is_disabled: no preview is drawn, so no link in it is fetched).
    options = get_json(params, "link_preview_options", "can't parse link preview options JSON object")
    if options:
        if not isinstance(options, dict):
            raise bad_request("can't parse link preview options JSON object")
        fields["link_preview_options"] = options
    return fields


def markup_of(params: dict[str, Any]) -> dict[str, Any] | None:
    return validate_markup(get_json(params, "reply_markup", "can't parse reply keyboard markup JSON object"))


async def get_me(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    return {
        **bot.as_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    if bot.webhook is not None:
        raise ApiError(409, CONFLICT_WEBHOOK)
    allowed = get_json(p, "allowed_updates", "can't parse allowed_updates JSON object")
    return await bot.queue.get_updates(
        offset=get_int(p, "offset", 0) or 0,
        limit=get_int(p, "limit", 100) or 100,
        timeout=float(get_int(p, "timeout", 0) or 0),
        allowed_updates=allowed,
    )


async def send_message(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    chat = emu.chat_for_bot(bot, chat_id_of(p))
    fields = _text_fields(p)
    markup = markup_of(p)
    if markup is not None:
        fields["reply_markup"] = markup
    return bot_view(chat.add(bot.as_user(), emu.unix_now(), {**reply_fields(chat, p), **fields}))


def own_message(emu: "Emulator", bot: BotRecord, p: dict[str, Any], missing: str) -> tuple[Chat, dict[str, Any]]:
    if p.get("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")  # inline messages are not emulated
    chat = emu.chat_for_bot(bot, chat_id_of(p))
    message = chat.messages.get(require_int(p, "message_id"))
    if message is None:
        raise bad_request(missing)
    if message["from"]["id"] != bot.id:
        raise bad_request("message can't be edited")
    return chat, message


def apply_edit(emu: "Emulator", chat: Chat, message: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    if all(message.get(k) == v for k, v in fields.items()):
        raise bad_request(NOT_MODIFIED)
    for key, value in fields.items():
        if value is None:
            message.pop(key, None)
        else:
            message[key] = value  # replace, never mutate: queued snapshots share nested values
    message["edit_date"] = emu.unix_now()
    chat.notify()
    return bot_view(message)


async def edit_message_text(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    chat, message = own_message(emu, bot, p, "message to edit not found")
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    fields = _text_fields(p)
    fields.setdefault("entities", None)
    fields.setdefault("link_preview_options", None)
    # Like Telegram: an edit without reply_markup removes the inline keyboard.
    fields["reply_markup"] = markup_of(p)
    return apply_edit(emu, chat, message, fields)


async def edit_message_caption(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    chat, message = own_message(emu, bot, p, "message to edit not found")
    if "text" in message or "invoice" in message:
        raise bad_request("there is no caption in the message to edit")
    fields = {"caption": None, "caption_entities": None, "reply_markup": None}
    return apply_edit(emu, chat, message, {**fields, **with_caption(p, {})})


async def edit_message_reply_markup(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    chat, message = own_message(emu, bot, p, "message to edit not found")
    return apply_edit(emu, chat, message, {"reply_markup": markup_of(p)})


async def delete_message(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    chat = emu.chat_for_bot(bot, chat_id_of(p), sending=False)
    if chat.messages.pop(require_int(p, "message_id"), None) is None:
        raise bad_request("message to delete not found")
    chat.notify()
    return True


async def answer_callback_query(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    query = emu.queries.get(get_str(p, "callback_query_id") or "")
    if (
        query is None
        or query.bot_id != bot.id
        or query.answered
        or trio.current_time() - query.created_at > emu.callback_answer_timeout
    ):
        raise bad_request(QUERY_TOO_OLD)
    text = get_str(p, "text")
    if text is not None and utf16_len(text) > ANSWER_TEXT_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answered = True
    answer = {"callback_query_id": query.id, "text": text, "show_alert": get_bool(p, "show_alert")}
    if p.get("url"):
        answer["url"] = get_str(p, "url")
    emu.user(query.user_id).callback_answers.append(answer)
    emu.chat(bot, query.user_id).notify()  # the answer is the bot's too: the test API waits for it
    return True


def upload_of(p: dict[str, Any], field: str) -> UploadedFile | None:
    """The file uploaded in `field`, directly or named by attach://; None when `field` names a file otherwise."""
    given = p.get(field)
    if isinstance(given, UploadedFile):
        return given
    if isinstance(given, str) and given.startswith("attach://"):
        attached = p.get(given.removeprefix("attach://"))
        if not isinstance(attached, UploadedFile):
            raise bad_request("wrong file identifier/HTTP URL specified")
        return attached
    return None


def named_file(emu: "Emulator", bot: BotRecord, p: dict[str, Any], field: str) -> StoredFile:
    """The file a send method names in `field` without uploading it: by file_id (this bot's only) or URL."""
    given = p.get(field)
    kind = "photos" if field == "photo" else "documents"
    if isinstance(given, str) and given in emu.files and emu.files[given].known_to(bot):
        return emu.files[given]
    if isinstance(given, str) and given.startswith(("http://", "https://")):
        name = given.rstrip("/").rsplit("/", 1)[-1] or "file"
        return emu.store_file(name, None, mime_type_of(name, None) if kind == "documents" else None, kind=kind, bot=bot)
    if not given:
        raise bad_request(f"there is no {field} in the request")
    raise bad_request("wrong file identifier/HTTP URL specified")


def mime_type_of(file_name: str, declared: str | None) -> str | None:
    """A document's type as Telegram reports it: the one its file name says, whatever the upload declared
    (aiogram declares every upload application/octet-stream); the declared one when the name says nothing."""
    return mimetypes.guess_type(file_name)[0] or declared


def document_of(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> dict[str, Any]:
    upload = upload_of(p, "document")
    if upload is None:
        return document_fields(named_file(emu, bot, p, "document"))
    mime_type = mime_type_of(upload.filename, upload.content_type)
    return document_fields(emu.store_file(upload.filename, upload.content, mime_type, bot=bot))


def photo_sizes_of(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> list[dict[str, Any]]:
    """An uploaded photo's PhotoSizes, from the size its header gives (Telegram refuses bytes that are no
    image it can read); a photo sent again by the file_id of any of its sizes brings all of them back, as
    on Telegram; a photo by URL is one PhotoSize (the emulator fetches nothing)."""
    upload = upload_of(p, "photo")
    if upload is None:
        stored = named_file(emu, bot, p, "photo")
        return copy.deepcopy(emu.photo_sets.get(stored.file_id)) or [photo_size(stored)]
    if image_size(upload.content) is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    return photo_sizes(emu, bot, upload.content)


def with_caption(p: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    caption, entities = formatted(p, "caption", "caption_entities")
    if utf16_len(caption) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    if caption:
        fields["caption"] = caption
        if entities:
            fields["caption_entities"] = entities
    markup = markup_of(p)
    if markup is not None:
        fields["reply_markup"] = markup
    return fields


async def send_document(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    chat = emu.chat_for_bot(bot, chat_id_of(p))
    replied = reply_fields(chat, p)
    fields = with_caption(p, {"document": document_of(emu, bot, p)})
    return bot_view(chat.add(bot.as_user(), emu.unix_now(), {**replied, **fields}))


async def send_photo(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    chat = emu.chat_for_bot(bot, chat_id_of(p))
    replied = reply_fields(chat, p)
    fields = with_caption(p, {"photo": photo_sizes_of(emu, bot, p)})
    return bot_view(chat.add(bot.as_user(), emu.unix_now(), {**replied, **fields}))


# The scopes of a command menu (BotCommandScope), and the fields that pick one chat or one member of it.
_SCOPES = {
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}


def _commands_key(p: dict[str, Any]) -> tuple[str, ...]:
    """A menu's key: its scope's type, the chat (and member) it names, and its language; so per-chat and
    per-member menus are each their own, as on Telegram."""
    scope = get_json(p, "scope", "can't parse BotCommandScope JSON object") or {"type": "default"}
    kind = scope.get("type") if isinstance(scope, dict) else None
    if kind not in _SCOPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    named = []
    for name in _SCOPES[kind]:
        value = scope.get(name)
        if value is None or value == "":
            raise bad_request("can't parse BotCommandScope JSON object")
        named.append(str(value))
    return (kind, *named, get_str(p, "language_code") or "")


async def set_my_commands(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    commands = get_json(p, "commands", "can't parse commands JSON object")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    for c in commands:
        name = c.get("command", "") if isinstance(c, dict) else ""
        if not (1 <= len(name) <= 32 and all(ch.islower() or ch.isdigit() or ch == "_" for ch in name)):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(c.get("description", "")) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    bot.commands[_commands_key(p)] = [{"command": c["command"], "description": c["description"]} for c in commands]
    return True


async def get_my_commands(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    return bot.commands.get(_commands_key(p), [])


async def delete_my_commands(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    bot.commands.pop(_commands_key(p), None)
    return True


async def log_out(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    return True


def new_file_ids() -> tuple[str, str]:
    return "BQAC" + secrets.token_urlsafe(24), "AgAD" + secrets.token_urlsafe(8)
