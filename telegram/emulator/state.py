"""The emulator's records: bots, private chats, callback queries, stored files.

A private chat belongs to one (bot, user) pair and its id is the user's id. Messages are kept in a dict
keyed by message id, in send order, so lookups, edits and deletes are O(1) whatever the chat's length
(the emulator runs in benchmarks at hundreds of updates per second). Message dicts are the Bot API
Message objects as the bot last saw them; edits replace top-level keys, never mutate nested values, so a
shallow copy taken when an update is queued stays a faithful snapshot.
"""

from dataclasses import dataclass, field
from typing import Any

import trio

from .updates import UpdateQueue

# setWebhook's default for max_connections.
DEFAULT_MAX_CONNECTIONS = 40


@dataclass(eq=False)
class Webhook:
    """A bot's webhook as setWebhook set it, with the last failed delivery (see webhooks.py)."""

    url: str
    secret: str = ""
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass(eq=False)
class BotRecord:
    """A bot account. `.id` is the number before ':' in the token."""

    id: int
    token: str
    username: str
    first_name: str
    queue: UpdateQueue = field(default_factory=UpdateQueue)
    commands: dict[tuple[str, ...], list[dict[str, Any]]] = field(default_factory=dict)
    webhook: Webhook | None = None
    # What setMyDescription, setMyShortDescription and setChatMenuButton set (see profile.py): texts by
    # (method's field, language), menu buttons by chat id (None: every chat's).
    descriptions: dict[tuple[str, str], str] = field(default_factory=dict)
    menu_buttons: dict[int | None, dict[str, Any]] = field(default_factory=dict)

    def as_user(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": True, "first_name": self.first_name, "username": self.username}


class Chat:
    """The private chat of one user with one bot, or a group with one member bot (`user_id` is then
    the group's negative id, see `groups.py`)."""

    __slots__ = (
        "bot",
        "user_id",
        "info",
        "messages",
        "_next_id",
        "_changed",
        "_touched",
        "revision",
        "started",
        "blocked",
        "pinned",
        "reactions",
    )

    def __init__(self, bot: BotRecord, user_id: int, info: dict[str, Any]) -> None:
        self.bot = bot
        self.user_id = user_id
        self.info = info  # the Chat object: {"id", "type": "private", "first_name", "username"?}
        self.messages: dict[int, dict[str, Any]] = {}
        self._next_id = 1
        self._changed = trio.Event()
        # Anything in the chat changed, the user's side too: what a viewer of the whole chat (the
        # sandbox's browser page) waits on. `revision` counts those changes.
        self._touched = trio.Event()
        self.revision = 0
        self.started = False  # the user wrote to the bot at least once; bots can't start conversations
        self.blocked = False
        self.pinned: list[int] = []  # pinned message ids, the newest last (pinChatMessage)
        self.reactions: dict[int, list[dict[str, Any]]] = {}  # the bot's reactions by message id (setMessageReaction)

    def add(self, sender: dict[str, Any], date: int, fields: dict[str, Any]) -> dict[str, Any]:
        message = {"message_id": self._next_id, "from": sender, "chat": self.info, "date": date, **fields}
        self.messages[self._next_id] = message
        self._next_id += 1
        if sender.get("is_bot"):
            self.notify()
        else:
            self.touch()
        return message

    def notify(self) -> None:
        """Wake wait_for() callers: a bot message appeared, changed or went, or the bot answered a
        button pressed in the chat."""
        self._changed.set()
        self._changed = trio.Event()
        self.touch()

    def changed(self) -> trio.Event:
        return self._changed

    def touch(self) -> None:
        """Wake touched() waiters: a message of either side appeared, changed or went, or the bot
        answered a button (notify() touches too). The user's own messages touch without notifying,
        so that wait_for() and the test API's wait for the bot's answer never wake on them."""
        self.revision += 1
        self._touched.set()
        self._touched = trio.Event()

    def touched(self) -> trio.Event:
        """The event the chat's next change sets: take it before reading the chat, so no change slips in between."""
        return self._touched


@dataclass(eq=False)
class CallbackQuery:
    id: str
    bot_id: int
    user_id: int
    created_at: float
    answered: bool = False


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_name: str | None
    content: bytes | None  # None for a document sent by URL
    mime_type: str | None = None
    kind: str = "documents"  # or "photos": the folder of its file_path (see files.py)
    number: int = 0  # its place in the order files were stored, which names its file_path
    # The bot its file_id was given to: Telegram's file_ids are each bot's own, another bot's is
    # "wrong file identifier". None: stored by the test side, known to every bot.
    bot_id: int | None = None
    dimensions: tuple[int, int] | None = None  # a photo's (width, height) as its PhotoSize says

    def known_to(self, bot: BotRecord) -> bool:
        return self.bot_id is None or self.bot_id == bot.id
