"""The base of every Bot API type, and the small types shared by several rooms."""

import msgspec


class TelegramType(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Base of the Bot API types we decode and encode.

    Contract: instances are immutable; optional fields default to None and are left out when encoded
    (`omit_defaults`), so a Struct can be passed as a request parameter as is. Unknown JSON fields are
    ignored on decode (msgspec's default) because Telegram adds fields in every API version.
    Subclasses repeat `frozen=True`: type checkers follow PEP 681, under which frozenness is not inherited.
    """


class ResponseParameters(TelegramType, frozen=True):
    """Why a request failed: the `parameters` object of an error answer."""

    migrate_to_chat_id: int | None = None
    retry_after: int | None = None


class BotCommand(TelegramType, frozen=True):
    """One entry of the bot's command menu (`setMyCommands`)."""

    command: str
    description: str
