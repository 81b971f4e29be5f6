"""The `[telegram]` configuration section."""

import msgspec


class TelegramSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How to reach the Bot API and how hard to use it.

    `token` is a secret: it is never logged, printed or put in an error message.
    """

    token: str
    owner_id: int
    api_base_url: str = "https://api.telegram.org"
    # getUpdates long-poll timeout in seconds (Telegram clamps it to 50).
    poll_timeout: int = 30
    # Seconds an HTTP request may take beyond the long-poll timeout.
    request_timeout: float = 10.0
    # Outgoing flood control: messages per second overall and per chat (Bot FAQ: ~30/s, ~1/s).
    global_rate: float = 30.0
    chat_rate: float = 1.0
    # A chat may send this many messages back to back before chat_rate applies.
    chat_burst: int = 3
    # A retry_after longer than this is not waited for: the call fails with RetryAfter.
    max_retry_after: float = 120.0
    # How many times a 5xx or network failure is retried before the call fails.
    max_retries: int = 5
    # Concurrent chats handled at once (each chat is one ordered lane).
    lanes: int = 64

    def __repr__(self) -> str:
        # The default repr would print the token into any log line or traceback that shows settings.
        shown = ", ".join(
            f"{name}={'<secret>' if name == 'token' else repr(getattr(self, name))}" for name in self.__struct_fields__
        )
        return f"TelegramSettings({shown})"


class ShopSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The `[shop]` section: what buyers see."""

    name: str = "Shopkeeper"
    # Balance and price currency, shown after every amount.
    currency: str = "USD"
    support_contact: str = ""
