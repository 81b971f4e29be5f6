"""What a bot says about itself and reads about a chat: descriptions, the menu button, getChat, its Stars.

    setMyDescription / getMyDescription             description (0-512 characters) by language_code
    setMyShortDescription / getMyShortDescription   short_description (0-120 characters) by language_code
    setChatMenuButton / getChatMenuButton           a MenuButton for one chat (chat_id) or every chat;
                                                    {"type": "commands"} until one is set
    getChat                                         ChatFullInfo of a private chat, group or channel the bot knows
    getMyStarBalance                                StarAmount: the Stars paid to the bot, less its refunds

An empty description, or a menu button {"type": "default"}, returns to the default, as on Telegram. Texts
are counted in UTF-16 code units like every Telegram limit. A text over the limit is refused with the
MTProto error name of the field (BOT_DESCRIPTION_INVALID, BOT_ABOUT_INVALID): no source gives the Bot API's
wording for these.
"""

from typing import TYPE_CHECKING, Any

from .entities import utf16_len
from .errors import bad_request
from .params import get_json, get_str
from .replies import bot_view
from .state import BotRecord

if TYPE_CHECKING:
    from .core import Emulator

DESCRIPTION_LIMIT, SHORT_DESCRIPTION_LIMIT = 512, 120
MENU_BUTTONS = ("commands", "web_app", "default")
# The parts of a ChatFullInfo the Bot API always sends: a chat whose owner never chose an accent colour, allowing
# the default number of reactions, and a user's default gift settings.
FULL_INFO = {
    "accent_color_id": 0,
    "max_reaction_count": 11,
    "accepted_gift_types": {
        "unlimited_gifts": True,
        "limited_gifts": True,
        "unique_gifts": True,
        "premium_subscription": True,
        "gifts_from_channels": True,
    },
}


def _set_text(bot: BotRecord, p: dict[str, Any], field: str, limit: int, error: str) -> bool:
    text = get_str(p, field) or ""
    if utf16_len(text) > limit:
        raise bad_request(error)
    key = (field, get_str(p, "language_code") or "")
    if text:
        bot.descriptions[key] = text
    else:
        bot.descriptions.pop(key, None)
    return True


def _get_text(bot: BotRecord, p: dict[str, Any], field: str) -> dict[str, str]:
    return {field: bot.descriptions.get((field, get_str(p, "language_code") or ""), "")}


async def set_my_description(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    return _set_text(bot, p, "description", DESCRIPTION_LIMIT, "BOT_DESCRIPTION_INVALID")


async def get_my_description(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    return _get_text(bot, p, "description")


async def set_my_short_description(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    return _set_text(bot, p, "short_description", SHORT_DESCRIPTION_LIMIT, "BOT_ABOUT_INVALID")


async def get_my_short_description(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    return _get_text(bot, p, "short_description")


def _menu_chat(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> int | None:
    value = p.get("chat_id")
    if value is None or value == "":
        return None
    try:
        chat_id = int(value)
    except (TypeError, ValueError):
        raise bad_request("chat not found") from None
    emu.chat_for_bot(bot, chat_id, sending=False)  # "chat not found" for a chat the bot does not know
    return chat_id


async def set_chat_menu_button(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    chat_id = _menu_chat(emu, bot, p)
    button = get_json(p, "menu_button", "can't parse menu button JSON object") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in MENU_BUTTONS:
        raise bad_request("can't parse menu button JSON object")
    if button["type"] == "web_app" and not (isinstance(button.get("web_app"), dict) and button.get("text")):
        raise bad_request("can't parse menu button JSON object")
    if button["type"] == "default":
        bot.menu_buttons.pop(chat_id, None)
    else:
        bot.menu_buttons[chat_id] = button
    return True


async def get_chat_menu_button(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    chat_id = _menu_chat(emu, bot, p)
    return bot.menu_buttons.get(chat_id) or bot.menu_buttons.get(None) or {"type": "commands"}


async def get_chat(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    value = p.get("chat_id")
    if value is None or value == "":
        raise bad_request("chat_id is empty")
    channel = emu.channels.find(value)
    if channel is not None:
        info: dict[str, Any] = {"id": channel.id, "type": "channel", "title": channel.title}
        if channel.username:
            info["username"] = channel.username
        return {**info, **FULL_INFO}
    try:
        chat_id = int(value)
    except (TypeError, ValueError):
        raise bad_request("chat not found") from None
    chat = emu.chat_for_bot(bot, chat_id, sending=False)
    info = dict(chat.info)
    if chat.pinned and chat.pinned[-1] in chat.messages:
        info["pinned_message"] = bot_view(chat.messages[chat.pinned[-1]])
    return {**info, **FULL_INFO}


async def get_my_star_balance(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    transactions = emu.payments.star_transactions.get(bot.id, [])
    return {"amount": sum(t["amount"] if "source" in t else -t["amount"] for t in transactions)}
