"""The per-update context a screen handler gets: who, what, and how to answer."""

import logging
from collections.abc import Callable, MutableMapping, Sequence
from typing import Any

import msgspec

from storage import UserRecord
from telegram.callback_data import CallbackData
from telegram.callback_data import parse as parse_callback_data
from telegram.client import BotClient
from telegram.errors import BadRequest, TelegramError
from telegram.limits import ANSWER_LIMIT, TEXT_LIMIT, cut, html_units
from telegram.routing.shop import Shop
from telegram.routing.state import StateSlot
from telegram.texts import Texts
from telegram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, PreCheckoutQuery, Update

log = logging.getLogger(__name__)

# How long the bot waits for an answer it asked for (a promo code, a review) before forgetting it.
PENDING_SECONDS = 900.0


class Pending(msgspec.Struct, frozen=True):
    """A question the bot asked and the text it waits for (kept in PENDING)."""

    name: str
    data: dict[str, Any] = {}


# The question asked of each user, for any process to take the answer.
PENDING = StateSlot("pending", Pending, ttl=PENDING_SECONDS)


class Context:
    """One update being handled, with the ways to answer it.

    `show` draws a screen: on a button press it edits the pressed message in place (a pressed photo
    card, which cannot become text, is replaced by a new message), otherwise it sends a new message.
    A pressed button is always answered (the client stops its spinner), once.
    """

    def __init__(
        self,
        update: Update,
        *,
        bot: BotClient,
        shop: Shop,
        user: UserRecord,
        texts: Texts,
        remember: Callable[[UserRecord], Texts] | None = None,
        asked: MutableMapping[int, bool] | None = None,
    ) -> None:
        self.update = update
        self.bot = bot
        self.shop = shop
        self.user = user
        self.t = texts
        self.message: Message | None = update.message
        self.callback: CallbackQuery | None = update.callback_query
        self.pre_checkout: PreCheckoutQuery | None = update.pre_checkout_query
        self.callback_data: CallbackData | None = (
            parse_callback_data(self.callback.data) if self.callback and self.callback.data else None
        )
        self._answered = False
        self._remember = remember
        # Users this process asked a question (ctx.expect): only their button presses and commands
        # need the stored question cleared, so the others cost no key-value call.
        self._asked = asked if asked is not None else {}
        # The answer the bot is waiting for from this user, loaded for text messages only.
        self.pending: Pending | None = None

    @property
    def chat_id(self) -> int:
        if self.message is not None:
            return self.message.chat.id
        if self.pre_checkout is not None:
            return self.pre_checkout.from_.id
        assert self.callback is not None
        if self.callback.message is not None:
            return self.callback.message.chat.id
        return self.callback.from_.id

    @property
    def command(self) -> tuple[str, str] | None:
        """("start", "payload") for "/start payload" or "/start@shop_bot payload"; None otherwise."""
        if self.message is None or not self.message.text or not self.message.text.startswith("/"):
            return None
        head, _, args = self.message.text[1:].partition(" ")
        name = head.split("@", 1)[0].lower()
        return (name, args.strip()) if name else None

    async def reply(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        await self.bot.send_message(self.chat_id, text, reply_markup=markup)

    async def show(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        target = self._pressed()
        if target is not None and target.text is not None:
            await self.bot.edit_message_text(self.chat_id, target.message_id, text, reply_markup=markup)
            return
        await self.reply(text, markup)
        if target is not None:
            # A photo card has a caption, not a text, so it cannot become this screen: it gives way.
            await self._delete(target)

    async def show_photo(self, photo: str, caption: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Draw a screen as a picture with a caption: a new message (no message can become a photo),
        then the pressed one is deleted. Raises BadRequest when Telegram cannot use `photo`; the
        pressed message then stays as it was."""
        await self.bot.send_photo(self.chat_id, photo, caption, reply_markup=markup)
        target = self._pressed()
        if target is not None:
            await self._delete(target)

    def _pressed(self) -> Message | None:
        """The message whose button was pressed, when there is one and it still exists."""
        target = self.callback.message if self.callback is not None else None
        return target if target is not None and target.accessible else None

    async def _delete(self, message: Message) -> None:
        try:
            await self.bot.delete_message(self.chat_id, message.message_id)
        except BadRequest as error:
            # Too old to delete (48 hours) or already gone: it stays, and its buttons still work.
            log.info("chat %s: message %s not deleted: %s", self.chat_id, message.message_id, error)

    async def send_long(self, text: str, *, filename: str, file_text: str, caption: str) -> None:
        await send_long(self.bot, self.chat_id, text, filename=filename, file_text=file_text, caption=caption)

    async def notify(self, text: str | None = None, *, alert: bool = False) -> None:
        """Answer the pressed button, optionally with a toast (or an alert box), cut to Telegram's limit
        (a name or title in it can be long); only the first answer counts.

        Never raises: the answer only ends the button's spinner, so one that fails (Telegram refuses
        answers to a press older than its callback window: "query is too old") is logged and the
        handler goes on. Whatever follows, the goods above all, never waits on it."""
        if self.callback is None or self._answered:
            return
        self._answered = True
        shown = cut(text, ANSWER_LIMIT) if text is not None else None
        try:
            await self.bot.answer_callback_query(self.callback.id, text=shown, show_alert=alert)
        except TelegramError as error:
            log.info("chat %s: button not answered: %s", self.chat_id, error)

    def set_user(self, user: UserRecord) -> None:
        """The user changed (e.g. their language): later answers of this update and later updates use it."""
        self.user = user
        if self._remember is not None:
            self.t = self._remember(user)

    async def expect(self, name: str, **data: Any) -> None:
        """Wait for a text answer: the user's next non-command message goes to `@router.pending(name)`.

        The question lasts until it is answered, the user presses any button or sends a command
        (they moved on: a later message is not an answer to it), or PENDING_SECONDS pass."""
        await PENDING.save(self.shop.store.kv, self.user.id, Pending(name=name, data=data))
        self._asked[self.user.id] = True

    async def forget(self) -> None:
        """Stop waiting for an answer (it came, or the user cancelled)."""
        self.pending = None
        self._asked.pop(self.user.id, None)
        await PENDING.clear(self.shop.store.kv, self.user.id)

    async def moved_on(self) -> None:
        """A button press or a command: forget the question asked by this process, if any."""
        if self.user.id in self._asked and (self.callback is not None or self.command is not None):
            await self.forget()

    async def finish(self) -> None:
        await self.notify()


async def send_long(
    bot: BotClient,
    chat_id: int,
    text: str,
    *,
    filename: str,
    file_text: str,
    caption: str,
    disable_web_page_preview: bool = False,
) -> None:
    """HTML `text` as a message (link previews off with `disable_web_page_preview`), or `file_text` as
    a .txt document when the message would be over Telegram's limit (measured as Telegram does: see
    telegram.limits)."""
    if html_units(text) <= TEXT_LIMIT:
        await bot.send_message(chat_id, text, disable_web_page_preview=disable_web_page_preview)
    else:
        await bot.send_document(chat_id, filename, file_text.encode(), caption=caption)


# A button as screens write it (its label, what pressing it sends), and a row of them.
type Button = tuple[str, CallbackData]
type Row = list[Button]


def keyboard(*rows: Sequence[Button]) -> InlineKeyboardMarkup:
    """Inline keyboard from rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=label, callback_data=data.pack()) for label, data in row] for row in rows]
    )
