"""What a bot does in a chat besides sending and editing: chat actions, reactions, pins, deleting several
messages, copying and forwarding.

    sendChatAction       "typing" and the other ChatAction values; True. The user's app shows it for 5 s,
                         which the emulator does not draw.
    setMessageReaction   the bot's reactions to a message (emoji or custom_emoji), kept in `Chat.reactions`
    pinChatMessage / unpinChatMessage / unpinAllChatMessages    `Chat.pinned`; getChat shows the newest pin
    deleteMessages       1-100 message ids; those not found are skipped (Bot API), True
    copyMessage          the message's content as a new bot message, caption replaceable; MessageId
    forwardMessage       the message with forward_origin (a MessageOriginUser: its sender); Message

Error texts: "message to copy not found", "message to forward not found", "message to pin not found" and
"wrong parameter action in request" follow the official server's pattern for these methods; a reaction to a
missing message, or one that is not a ReactionType, gets the MTProto names MESSAGE_ID_INVALID and
REACTION_INVALID.
"""

from typing import TYPE_CHECKING, Any

from .entities import utf16_len
from .errors import bad_request
from .markup import validate_markup
from .methods import CAPTION_LIMIT, formatted
from .params import chat_id_of, get_json, require_int
from .replies import bot_view
from .state import BotRecord, Chat

if TYPE_CHECKING:
    from .core import Emulator

ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# A message's content, what copyMessage carries over (service messages and invoices have none of these).
CONTENT = ("text", "entities", "link_preview_options", "photo", "document", "caption", "caption_entities")
DELETE_LIMIT = 100


async def send_chat_action(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    emu.chat_for_bot(bot, chat_id_of(p))
    if p.get("action") not in ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


def _message(emu: "Emulator", bot: BotRecord, p: dict[str, Any], chat_key: str, missing: str) -> tuple[Chat, dict[str, Any]]:
    chat = emu.chat_for_bot(bot, chat_id_of({"chat_id": p.get(chat_key)}), sending=False)
    message = chat.messages.get(require_int(p, "message_id"))
    if message is None:
        raise bad_request(missing)
    return chat, message


async def set_message_reaction(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    chat = emu.chat_for_bot(bot, chat_id_of(p), sending=False)
    message_id = require_int(p, "message_id")
    if message_id not in chat.messages:
        raise bad_request("MESSAGE_ID_INVALID")
    reaction = get_json(p, "reaction", "can't parse reaction types JSON object") or []
    valid = {"emoji": "emoji", "custom_emoji": "custom_emoji_id"}
    if not isinstance(reaction, list) or not all(
        isinstance(r, dict) and isinstance(r.get(valid.get(r.get("type", ""), "-")), str) for r in reaction
    ):
        raise bad_request("REACTION_INVALID")
    if reaction:
        chat.reactions[message_id] = reaction
    else:
        chat.reactions.pop(message_id, None)
    chat.notify()
    return True


async def pin_chat_message(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    chat, message = _message(emu, bot, p, "chat_id", "message to pin not found")
    if message["message_id"] in chat.pinned:
        chat.pinned.remove(message["message_id"])
    chat.pinned.append(message["message_id"])
    chat.notify()
    return True


async def unpin_chat_message(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    chat = emu.chat_for_bot(bot, chat_id_of(p), sending=False)
    if p.get("message_id") in (None, ""):
        if chat.pinned:
            chat.pinned.pop()  # without message_id: the most recent pin
    else:
        message_id = require_int(p, "message_id")
        if message_id not in chat.pinned:
            raise bad_request("message to unpin not found")
        chat.pinned.remove(message_id)
    chat.notify()
    return True


async def unpin_all_chat_messages(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    chat = emu.chat_for_bot(bot, chat_id_of(p), sending=False)
    chat.pinned.clear()
    chat.notify()
    return True


async def delete_messages(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    chat = emu.chat_for_bot(bot, chat_id_of(p), sending=False)
    ids = get_json(p, "message_ids", "can't parse message identifiers JSON object")
    if not isinstance(ids, list) or not 1 <= len(ids) <= DELETE_LIMIT or not all(isinstance(i, int) for i in ids):
        raise bad_request("can't parse message identifiers JSON object")
    for message_id in ids:
        chat.messages.pop(message_id, None)
    chat.notify()
    return True


async def copy_message(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    _, source = _message(emu, bot, p, "from_chat_id", "message to copy not found")
    content = {key: source[key] for key in CONTENT if key in source}
    if not any(key in content for key in ("text", "photo", "document")):
        raise bad_request("message can't be copied")
    if "caption" in p and "text" not in content:  # a new caption replaces the media's
        caption, entities = formatted(p, "caption", "caption_entities")
        if utf16_len(caption) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
        content = {k: v for k, v in content.items() if k not in ("caption", "caption_entities")}
        content.update(
            {"caption": caption} if caption else {}, **({"caption_entities": entities} if caption and entities else {})
        )
    target = emu.chat_for_bot(bot, chat_id_of(p))
    markup = validate_markup(get_json(p, "reply_markup", "can't parse reply keyboard markup JSON object"))
    if markup is not None:
        content["reply_markup"] = markup
    copied = target.add(bot.as_user(), emu.unix_now(), content)
    return {"message_id": copied["message_id"]}


async def forward_message(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    _, source = _message(emu, bot, p, "from_chat_id", "message to forward not found")
    content = {key: source[key] for key in CONTENT if key in source}
    if not content:
        raise bad_request("message can't be forwarded")
    # Whoever wrote it, a person or a bot, in a private chat or a group: a MessageOriginUser.
    origin = {"type": "user", "date": source["date"], "sender_user": source["from"]}
    target = emu.chat_for_bot(bot, chat_id_of(p))
    return bot_view(target.add(bot.as_user(), emu.unix_now(), {"forward_origin": origin, **content}))
