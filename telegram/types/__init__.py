"""The Bot API types the shop uses, as frozen msgspec Structs.

Other rooms import from here (`from telegram.types import Message`), never from the submodules.
Only the fields we use are declared; unknown fields in Telegram's JSON are ignored, and
`tests/client/test_types_spec.py` checks every declared field against the Bot API spec.
"""

from .base import BotCommand, ResponseParameters, TelegramType
from .chat import Chat, ChatMember, User
from .file import File
from .keyboard import InlineKeyboardButton, InlineKeyboardMarkup
from .message import Document, Message, MessageEntity, PhotoSize
from .payment import (
    Invoice,
    LabeledPrice,
    RefundedPayment,
    StarTransaction,
    StarTransactions,
    SuccessfulPayment,
    TransactionPartner,
)
from .update import CallbackQuery, PreCheckoutQuery, Update
from .webhook import WebhookInfo

__all__ = [
    "BotCommand",
    "CallbackQuery",
    "Chat",
    "ChatMember",
    "Document",
    "File",
    "InlineKeyboardButton",
    "InlineKeyboardMarkup",
    "Invoice",
    "LabeledPrice",
    "Message",
    "MessageEntity",
    "PhotoSize",
    "PreCheckoutQuery",
    "RefundedPayment",
    "ResponseParameters",
    "StarTransaction",
    "StarTransactions",
    "SuccessfulPayment",
    "TelegramType",
    "TransactionPartner",
    "Update",
    "User",
    "WebhookInfo",
]
