"""Messages and what they carry: entities, documents, photos, invoices and payments (see `payment.py`)."""

import msgspec

from .base import TelegramType
from .chat import Chat, User
from .keyboard import InlineKeyboardMarkup
from .payment import Invoice, RefundedPayment, SuccessfulPayment


class MessageEntity(TelegramType, frozen=True):
    """A formatted span of a text; `offset` and `length` count UTF-16 code units, not characters."""

    type: str
    offset: int
    length: int
    url: str | None = None
    user: User | None = None
    language: str | None = None
    custom_emoji_id: str | None = None


class Document(TelegramType, frozen=True):
    """A general file; `file_id` can be sent again instead of uploading the bytes."""

    file_id: str
    file_unique_id: str
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


class PhotoSize(TelegramType, frozen=True):
    """One size of a photo. A photo message carries several, smallest first: take the last for the original."""

    file_id: str
    file_unique_id: str
    width: int
    height: int
    file_size: int | None = None


class Message(TelegramType, frozen=True):
    """A message, or an inaccessible one.

    `CallbackQuery.message` may be an InaccessibleMessage (only chat, message_id and date, with date 0):
    it decodes into this type too, because every other field is optional. Test `accessible` before
    relying on the content.
    """

    message_id: int
    date: int
    chat: Chat
    from_: User | None = msgspec.field(default=None, name="from")
    text: str | None = None
    entities: list[MessageEntity] | None = None
    caption: str | None = None
    caption_entities: list[MessageEntity] | None = None
    document: Document | None = None
    photo: list[PhotoSize] | None = None
    reply_markup: InlineKeyboardMarkup | None = None
    invoice: Invoice | None = None
    successful_payment: SuccessfulPayment | None = None
    refunded_payment: RefundedPayment | None = None

    @property
    def accessible(self) -> bool:
        """False for an InaccessibleMessage (deleted, or too old): Telegram marks it with date 0."""
        return self.date != 0
