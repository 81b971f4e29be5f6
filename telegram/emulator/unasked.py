"""Answers to queries the emulator never asks, and what a bot may read about a user or ask of a chat.

answerInlineQuery     inline mode is not emulated (getMe says supports_inline_queries: false), so no
answerShippingQuery   inline query and no shipping query (invoices need no shipping address here) is
                      ever open: every answer is Telegram's answer to an unknown query id, 400 "query is
                      too old and response timeout expired or query ID is invalid"
getUserProfilePhotos  an emulated user has no profile photo: {"total_count": 0, "photos": []};
                      a user the emulator does not know is 400 "user not found"
createChatInviteLink  a link to a group or channel the bot knows, made by the bot (t.me/+…);
                      a private chat has none: 400 "chat not found" as for any chat it cannot invite to
"""

import secrets
from typing import TYPE_CHECKING, Any

from .errors import QUERY_TOO_OLD, bad_request
from .params import get_bool, get_str, require_int
from .state import BotRecord

if TYPE_CHECKING:
    from .core import Emulator


async def answer_unasked_query(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    raise bad_request(QUERY_TOO_OLD)


async def get_user_profile_photos(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    if emu.known_user(require_int(p, "user_id")) is None:
        raise bad_request("user not found")
    return {"total_count": 0, "photos": []}


async def create_chat_invite_link(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    value = p.get("chat_id")
    if value is None or value == "":
        raise bad_request("chat_id is empty")
    known = emu.channels.find(value) is not None
    if not known:
        try:
            chat_id = int(value)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        known = chat_id < 0 and emu.chat_for_bot(bot, chat_id, sending=False).info["type"] != "private"
    if not known:
        raise bad_request("chat not found")
    link: dict[str, Any] = {
        "invite_link": "https://t.me/+" + secrets.token_urlsafe(12),
        "creator": bot.as_user(),
        "creates_join_request": get_bool(p, "creates_join_request"),
        "is_primary": False,
        "is_revoked": False,
    }
    for key in ("name", "expire_date", "member_limit"):
        if p.get(key) not in (None, ""):
            link[key] = get_str(p, key) if key == "name" else int(p[key])
    return link
