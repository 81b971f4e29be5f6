"""Incoming updates: what getUpdates returns."""

import msgspec

from .base import TelegramType
from .chat import User
from .message import Message


class CallbackQuery(TelegramType, frozen=True):
    """A press of an inline button. Answer it with answerCallbackQuery, or the client keeps spinning.

    `message` is None for buttons of inline-mode messages and may be inaccessible (`message.accessible`).
    """

    id: str
    from_: User = msgspec.field(name="from")
    chat_instance: str
    message: Message | None = None
    inline_message_id: str | None = None
    data: str | None = None


class PreCheckoutQuery(TelegramType, frozen=True):
    """The last step before a payment; must be answered within 10 s (answerPreCheckoutQuery)."""

    id: str
    from_: User = msgspec.field(name="from")
    currency: str
    total_amount: int
    invoice_payload: str
    shipping_option_id: str | None = None


class Update(TelegramType, frozen=True):
    """One incoming update; at most one of the optional fields is set."""

    update_id: int
    message: Message | None = None
    edited_message: Message | None = None
    callback_query: CallbackQuery | None = None
    pre_checkout_query: PreCheckoutQuery | None = None
