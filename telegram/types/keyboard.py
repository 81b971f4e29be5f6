"""Inline keyboards attached to messages."""

from .base import TelegramType


class InlineKeyboardButton(TelegramType, frozen=True):
    """One button: exactly one of `callback_data` (1-64 bytes, see `telegram.callback_data`) or `url`."""

    text: str
    url: str | None = None
    callback_data: str | None = None


class InlineKeyboardMarkup(TelegramType, frozen=True):
    """Rows of buttons, top to bottom, each row left to right."""

    inline_keyboard: list[list[InlineKeyboardButton]]
