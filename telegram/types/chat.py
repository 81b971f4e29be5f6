"""Who and where: `User` and `Chat`."""

from .base import TelegramType


class User(TelegramType, frozen=True):
    """A Telegram user or bot. `id` fits in 52 bits, so a Python int is exact."""

    id: int
    is_bot: bool
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_premium: bool | None = None
    # Returned only by getMe.
    can_join_groups: bool | None = None
    can_read_all_group_messages: bool | None = None
    supports_inline_queries: bool | None = None


class Chat(TelegramType, frozen=True):
    """A chat; `type` is "private", "group", "supergroup" or "channel"."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class ChatMember(TelegramType, frozen=True):
    """One user's membership of a chat (`getChatMember`): the spec's six ChatMember kinds in one type.

    `status` is "creator", "administrator", "member", "restricted", "left" or "kicked"; `is_member`
    is set for "restricted" only (a restricted user may or may not be in the chat).
    """

    status: str
    user: User
    is_member: bool | None = None
