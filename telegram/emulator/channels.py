"""Channels whose members a bot may ask about: `getChatMember` and the test side that sets members.

    emu.set_chat_member("@shop_news", 1001, "member")     # creates the channel on first use
    emu.channel("@shop_news").bot_is_admin = False         # getChatMember: "member list is inaccessible"

A channel is found by its id or its "@username", as Telegram finds it. Telegram answers getChatMember
about a channel only to the channel's administrators, so a channel's bots are administrators unless a
test says otherwise. A user with no membership recorded has "left".
"""

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import EmulatorError, bad_request
from .params import require_int
from .state import BotRecord

if TYPE_CHECKING:
    from .core import Emulator

STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
# The Bot API (10.3, as aiogram 3.31 models it) requires these of a ChatMemberAdministrator /
# ChatMemberRestricted; the emulator grants administrators everything and restricted users nothing.
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_send_welcome_messages",
)
# What Telegram sends of a channel's administrator besides ("for channels only"): the emulator's chats
# with members are channels.
CHANNEL_ADMIN_RIGHTS = ("can_post_messages", "can_edit_messages", "can_manage_direct_messages")
RESTRICTED_RIGHTS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)

_channel_ids = itertools.count(1_001_000_000_001)


@dataclass(eq=False)
class Channel:
    id: int  # negative, like every channel id: -100…
    username: str | None  # without "@"
    title: str
    bot_is_admin: bool = True
    # user id → (status, is_member); is_member matters for "restricted" only.
    members: dict[int, tuple[str, bool]] = field(default_factory=dict)


class Channels:
    def __init__(self) -> None:
        self._by_id: dict[int, Channel] = {}
        self._by_username: dict[str, Channel] = {}

    def find(self, chat: str | int) -> Channel | None:
        if isinstance(chat, str) and chat.startswith("@"):
            return self._by_username.get(chat[1:].lower())
        try:
            return self._by_id.get(int(chat))
        except ValueError:
            return None

    def get_or_create(self, chat: str | int, title: str | None = None) -> Channel:
        found = self.find(chat)
        if found is not None:
            return found
        if isinstance(chat, str) and chat.startswith("@"):
            channel = Channel(id=-next(_channel_ids), username=chat[1:], title=title or chat[1:])
        elif isinstance(chat, int) and chat < 0:
            channel = Channel(id=chat, username=None, title=title or str(chat))
        else:
            raise EmulatorError(f"a channel is '@username' or a negative id, not {chat!r}")
        self._by_id[channel.id] = channel
        if channel.username:
            self._by_username[channel.username.lower()] = channel
        return channel

    def set_member(self, chat: str | int, user_id: int, status: str, *, is_member: bool | None = None) -> None:
        if status not in STATUSES:
            raise EmulatorError(f"unknown member status {status!r}; one of {STATUSES}")
        self.get_or_create(chat).members[user_id] = (status, status != "restricted" or bool(is_member))


def chat_member(user: dict[str, Any], status: str, is_member: bool) -> dict[str, Any]:
    """The ChatMember object of one status, with the fields the spec requires of that kind."""
    out: dict[str, Any] = {"status": status, "user": user}
    if status in ("creator", "administrator"):
        out["is_anonymous"] = False
    if status == "administrator":
        out.update({"can_be_edited": False, **dict.fromkeys(ADMIN_RIGHTS + CHANNEL_ADMIN_RIGHTS, True)})
    if status == "restricted":
        out.update({"is_member": is_member, "until_date": 0, **dict.fromkeys(RESTRICTED_RIGHTS, False)})
    if status == "kicked":
        out["until_date"] = 0
    return out


async def get_chat_member(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    chat_id = p.get("chat_id")
    if chat_id is None or chat_id == "":
        raise bad_request("chat_id is empty")
    user_id = require_int(p, "user_id")
    channel = emu.channels.find(chat_id)
    if channel is None:
        raise bad_request("chat not found")
    if not channel.bot_is_admin:
        raise bad_request("member list is inaccessible")
    user = emu.known_user(user_id)
    if user is None:
        raise bad_request("user not found")
    status, is_member = channel.members.get(user_id, ("left", False))
    return chat_member(user.as_user(), status, is_member)
