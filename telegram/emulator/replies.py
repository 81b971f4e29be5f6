"""How a message the bot sent looks to the bot, and the message it replies to.

`bot_view(message)` is a stored message as the Bot API shows it: `Message.reply_markup` is only ever an
inline keyboard. A reply keyboard, its removal or a force-reply is an instruction to the user's app, so
the chat keeps it on the message (the sandbox page draws the keyboard from there) but no answer or update
carries it: a client that decodes reply_markup as InlineKeyboardMarkup (aiogram) would fail otherwise.

`reply_fields(chat, params)` reads `reply_parameters` (or the older `reply_to_message_id` with
`allow_sending_without_reply`) and gives the new message its `reply_to_message`: the replied message as
the bot sees it, without its own reply_to_message (Bot API: "will not contain further reply_to_message
fields even if it itself is a reply"). A message that is not in the chat is "message to be replied not
found", unless allow_sending_without_reply says to send it as a plain message. Replies to another chat
and quotes are not emulated: such a reply is "message to be replied not found" too.
"""

from typing import Any

from .errors import bad_request
from .params import get_bool, get_int, get_json
from .state import Chat

NOT_FOUND = "message to be replied not found"


def bot_view(message: dict[str, Any]) -> dict[str, Any]:
    markup = message.get("reply_markup")
    if markup is None or "inline_keyboard" in markup:
        return message
    return {key: value for key, value in message.items() if key != "reply_markup"}


def reply_fields(chat: Chat, params: dict[str, Any]) -> dict[str, Any]:
    parameters = get_json(params, "reply_parameters", "can't parse reply parameters JSON object")
    if parameters is None:
        legacy = get_int(params, "reply_to_message_id")
        if legacy is None:
            return {}
        parameters = {"message_id": legacy, "allow_sending_without_reply": get_bool(params, "allow_sending_without_reply")}
    if not isinstance(parameters, dict):
        raise bad_request("can't parse reply parameters JSON object")
    message_id = get_int(parameters, "message_id")
    other_chat = parameters.get("chat_id") not in (None, "", chat.user_id, str(chat.user_id))
    replied = None if message_id is None or other_chat else chat.messages.get(message_id)
    if replied is None:
        if get_bool(parameters, "allow_sending_without_reply"):
            return {}
        raise bad_request(NOT_FOUND)
    return {"reply_to_message": {key: value for key, value in bot_view(replied).items() if key != "reply_to_message"}}
