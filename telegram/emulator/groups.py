"""Group chats a bot is a member of: people and other bots write there, and the bot gets each message.

    group = emu.group(-1001234567890, title="Buyers")           # a supergroup; the first bot is a member
    await group.send_text(emu.user(1001, "Ann"), "/start")      # a person's message: an update for the bot
    other = emu.create_bot("777:other", "other_bot")
    await group.send_text(other, "/start")                      # another bot's message
    group.transcript()                                          # every message, the bot's own included

A group's id is negative, as on Telegram, and its `type` is "group" or "supergroup". The member bot may
send messages to the group (a group needs no /start). Bots see each other's messages only in groups:
a bot cannot write to another bot in a private chat.
"""

import copy
from typing import TYPE_CHECKING, Any

import trio

from .errors import EmulatorError
from .state import BotRecord, Chat
from .user import EmulatedUser, text_fields

if TYPE_CHECKING:
    from .core import Emulator

TYPES = ("group", "supergroup")


class Group:
    """One group chat with one member bot (see the module docstring)."""

    def __init__(self, emu: "Emulator", chat: Chat) -> None:
        self._emu = emu
        self._chat = chat

    @property
    def id(self) -> int:
        return self._chat.user_id

    async def send_text(self, sender: EmulatedUser | BotRecord, text: str) -> dict[str, Any]:
        """`sender` (a user or another bot) writes `text` in the group; a leading /command gets a
        bot_command entity. Queues one update for the member bot and returns the message."""
        await trio.lowlevel.checkpoint()
        if sender is self._chat.bot:
            raise EmulatorError("the member bot's own messages are sent with sendMessage")
        message = self._chat.add(sender.as_user(), self._emu.unix_now(), text_fields(text))
        self._chat.bot.queue.push("message", dict(message))
        return copy.deepcopy(message)

    def transcript(self) -> list[dict[str, Any]]:
        return copy.deepcopy(list(self._chat.messages.values()))


def group_chat(bot: BotRecord, chat_id: int, title: str, kind: str) -> Chat:
    """The Chat record of a new group whose member is `bot`."""
    if chat_id >= 0:
        raise EmulatorError(f"a group's id is negative, not {chat_id}")
    if kind not in TYPES:
        raise EmulatorError(f"a group's type is one of {TYPES}, not {kind!r}")
    chat = Chat(bot, chat_id, {"id": chat_id, "type": kind, "title": title})
    chat.started = True  # a bot added to a group may write there at once
    return chat
