"""EmulatedUser: a person in a private chat, as seen by tests.

Contract: `send_text`, `send_document`, `send_photo`, `press` and `press_data` queue exactly one
update for the chosen bot (default: the first bot created) and return at once; nothing here waits for
the bot except `wait_for*` and `pay` (which waits for the bot's answer to the pre-checkout query, see
`payments.py`). Read methods return copies of the messages in their CURRENT state (edits applied,
deleted ones gone), so tests cannot corrupt the emulator by mutating what they get.
"""

import copy
import mimetypes
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

import trio

from .entities import utf16_len
from .errors import ButtonNotFound, EmulatorError
from .files import document_fields, photo_sizes
from .markup import inline_buttons, pressable_labels
from .methods import CAPTION_LIMIT
from .payments import STARTING_STARS, PaymentOutcome, pay
from .replies import bot_view

if TYPE_CHECKING:
    from .core import Emulator
    from .state import Chat

_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?")


class EmulatedUser:
    def __init__(
        self,
        emu: "Emulator",
        user_id: int,
        first_name: str,
        username: str | None,
        language_code: str | None,
        last_name: str | None,
    ) -> None:
        self._emu = emu
        self.id = user_id
        self.first_name = first_name
        self.username = username
        self.language_code = language_code
        self.last_name = last_name
        self.callback_answers: list[dict[str, Any]] = []
        self.last_press: str | None = None  # the callback query id of the newest press
        self.stars = STARTING_STARS  # paying in Stars takes from it, a refund gives back
        self.payments: list[PaymentOutcome] = []  # every pay(), in order: what the user saw

    @property
    def chat_id(self) -> int:
        return self.id  # a private chat's id is the user's id

    def update(self, **fields: str | None) -> None:
        for key, value in fields.items():
            if value is not None:
                setattr(self, key, value)

    def as_user(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out

    def chat_info(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        for key in ("last_name", "username"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out

    def _chat(self, bot: Any) -> "Chat":
        return self._emu.chat(self._emu.bot(bot), self.id)

    # ----- acting -----------------------------------------------------------------------------------
    async def send_text(self, text: str, *, bot: Any = None) -> dict[str, Any]:
        """Write `text` to the bot; a leading /command gets a bot_command entity. Returns the message."""
        await trio.lowlevel.checkpoint()
        return self._post(self._chat(bot), text_fields(text))

    async def send_document(
        self, file_name: str, content: bytes, *, caption: str | None = None, mime_type: str | None = None, bot: Any = None
    ) -> dict[str, Any]:
        """Send the bot a file as a document. Without `mime_type` the one its name suggests is sent, as
        Telegram's apps do. Returns the message; `emu.files[message["document"]["file_id"]]` holds the bytes."""
        await trio.lowlevel.checkpoint()
        chat = self._chat(bot)
        captioned = _caption(caption)
        stored = self._emu.store_file(file_name, content, mime_type or mimetypes.guess_type(file_name)[0], bot=chat.bot)
        return self._post(chat, {"document": document_fields(stored), **captioned})

    async def send_photo(self, content: bytes, *, caption: str | None = None, bot: Any = None) -> dict[str, Any]:
        """Send the bot a picture: the message's `photo` holds its sizes, smallest first, the last one being
        `content` itself, as large as its PNG, JPEG, GIF or WebP header says (placeholder bytes: 800×600;
        see `files.photo_sizes`). Returns the message."""
        await trio.lowlevel.checkpoint()
        chat = self._chat(bot)
        captioned = _caption(caption)
        return self._post(chat, {"photo": photo_sizes(self._emu, chat.bot, content), **captioned})

    def _post(self, chat: "Chat", fields: dict[str, Any]) -> dict[str, Any]:
        chat.started = True
        message = chat.add(self.as_user(), self._emu.unix_now(), fields)
        chat.bot.queue.push("message", dict(message))
        return copy.deepcopy(message)

    async def press(self, label: str, message_id: int | None = None, *, bot: Any = None) -> str:
        """Press the inline button labelled exactly `label`; returns the callback query id.

        Looks on `message_id`, or on the newest bot message having a button with that label. Raises
        ButtonNotFound (with the labels one could press) if there is none or it is a url button.
        """
        await trio.lowlevel.checkpoint()
        chat = self._chat(bot)
        message, button = self._find_button(chat, label, message_id)
        return self._queue_press(chat, message, button["callback_data"])

    async def press_data(self, data: str, message_id: int | None = None, *, bot: Any = None) -> str:
        """Press a button carrying `data` on bot message `message_id` (default: the newest bot message),
        whatever buttons that message really has: a forged or stale press. Returns the callback query id.

        Raises EmulatorError when there is no such bot message, or when `data` is not 1-64 bytes (no
        button can carry that).
        """
        await trio.lowlevel.checkpoint()
        if not 1 <= len(data.encode()) <= 64:
            raise EmulatorError(f"callback data must be 1-64 bytes, got {len(data.encode())}")
        chat = self._chat(bot)
        bot_id = chat.bot.id
        if message_id is None:
            message = next((m for m in reversed(chat.messages.values()) if m["from"]["id"] == bot_id), None)
        else:
            message = chat.messages.get(message_id)
        if message is None or message["from"]["id"] != bot_id:
            raise EmulatorError(f"no bot message {message_id} in the chat with {self.id}")
        return self._queue_press(chat, message, data)

    def _queue_press(self, chat: "Chat", message: dict[str, Any], data: str) -> str:
        query = self._emu.new_query(chat.bot, self.id)
        payload = {
            "id": query.id,
            "from": self.as_user(),
            "message": dict(bot_view(message)),
            "chat_instance": str(chat.bot.id * 1_000_003 + self.id),  # stable per chat, like Telegram
            "data": data,
        }
        chat.bot.queue.push("callback_query", payload)
        self.last_press = query.id
        return query.id

    def _find_button(self, chat: "Chat", label: str, message_id: int | None) -> tuple[dict[str, Any], dict[str, Any]]:
        bot_id = chat.bot.id
        if message_id is not None:
            message = chat.messages.get(message_id)
            candidates: Iterable[dict[str, Any]] = [message] if message is not None and message["from"]["id"] == bot_id else []
        else:
            # Newest first, stopping at the first match: cheap even in long benchmark chats.
            candidates = (m for m in reversed(chat.messages.values()) if m["from"]["id"] == bot_id and "reply_markup" in m)
        newest_keyboard: dict[str, Any] | None = None
        for message in candidates:
            buttons = inline_buttons(message)
            if buttons and newest_keyboard is None:
                newest_keyboard = message
            for button in buttons:
                if button.get("text") == label:
                    if "callback_data" not in button:
                        raise ButtonNotFound(label, pressable_labels(message), "not a callback button")
                    return message, button
        available = pressable_labels(newest_keyboard) if newest_keyboard else []
        raise ButtonNotFound(label, available)

    async def pay(
        self,
        invoice_message_id: int | None = None,
        *,
        link: str | None = None,
        bot: Any = None,
        before_charge: Callable[[], Awaitable[None]] | None = None,
        deliver: bool = True,
    ) -> PaymentOutcome:
        """Pay an invoice: the bot message `invoice_message_id` (default: the newest unpaid invoice in the
        chat), or the invoice behind `link` (from createInvoiceLink; its bot is the one that made it).

        Sends the bot a pre_checkout_query and waits up to the emulator's `pre_checkout_timeout` (10 s of
        trio time) for answerPreCheckoutQuery; if it says ok, the user is charged and sends the
        successful_payment message (an update for the bot). Returns the outcome, also appended to
        `self.payments`. Raises EmulatorError when there is no such invoice or it is already paid.
        `before_charge` is awaited between the bot's ok and the charge; with `deliver=False` the
        successful_payment update is lost on its way to the bot (see `payments.pay`).
        """
        if link is not None:
            invoice = self._emu.payments.invoice_at(link)
            chat = self._chat(invoice.bot_id)
        else:
            chat = self._chat(bot)
            invoice = self._emu.payments.invoice_in(chat, invoice_message_id)
        chat.started = True
        outcome = await pay(self._emu, self, chat, invoice, before_charge, deliver=deliver)
        self.payments.append(outcome)
        return outcome

    def repeat_last_payment(self, *, bot: Any = None) -> int:
        """Deliver the newest successful_payment message to the bot again, as a new update (Telegram may
        deliver an update twice). Returns the new update_id."""
        chat = self._chat(bot)
        charges = self._emu.payments.charges
        paid = next(
            (
                p.message
                for p in reversed(self.payments)
                if p.message is not None and p.charge_id and charges[p.charge_id].bot_id == chat.bot.id
            ),
            None,
        )
        if paid is None:
            raise EmulatorError(f"no payment by {self.id} to repeat")
        update = chat.bot.queue.push("message", copy.deepcopy(paid))
        if update is None:
            raise EmulatorError("the bot excluded message updates with allowed_updates")
        return int(update["update_id"])

    def block_bot(self, *, bot: Any = None) -> None:
        self._chat(bot).blocked = True

    def unblock_bot(self, *, bot: Any = None) -> None:
        self._chat(bot).blocked = False

    # ----- observing --------------------------------------------------------------------------------
    def transcript(self, *, bot: Any = None) -> list[dict[str, Any]]:
        return copy.deepcopy(list(self._chat(bot).messages.values()))

    def bot_messages(self, *, bot: Any = None) -> list[dict[str, Any]]:
        chat = self._chat(bot)
        return copy.deepcopy([m for m in chat.messages.values() if m["from"]["id"] == chat.bot.id])

    async def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 5.0, *, bot: Any = None
    ) -> dict[str, Any]:
        """Wait until a bot message in this chat (existing, new or edited) satisfies `predicate`.

        Returns a copy of the newest matching message. Raises trio.TooSlowError after `timeout` seconds
        of trio time.
        """
        chat = self._chat(bot)
        with trio.fail_after(timeout):
            while True:
                changed = chat.changed()  # take it before checking so no change slips in between
                for message in reversed(chat.messages.values()):
                    if message["from"]["id"] == chat.bot.id and predicate(message):
                        return copy.deepcopy(message)
                await changed.wait()

    async def wait_for_text(self, substring: str, timeout: float = 5.0, *, bot: Any = None) -> dict[str, Any]:
        """wait_for a bot message whose text or caption contains `substring`."""
        return await self.wait_for(lambda m: substring in (m.get("text") or m.get("caption") or ""), timeout, bot=bot)

    def __repr__(self) -> str:
        return f"EmulatedUser(id={self.id}, first_name={self.first_name!r})"


def text_fields(text: str) -> dict[str, Any]:
    """A text message's fields as a client sends them: a leading /command gets a bot_command entity."""
    fields: dict[str, Any] = {"text": text}
    match = _COMMAND.match(text)
    if match:
        fields["entities"] = [{"type": "bot_command", "offset": 0, "length": match.end()}]
    return fields


def _caption(caption: str | None) -> dict[str, Any]:
    """The caption field of a user's media message; the apps refuse a longer caption, and drop an empty one."""
    if caption and utf16_len(caption) > CAPTION_LIMIT:
        raise EmulatorError(f"a caption is at most {CAPTION_LIMIT} UTF-16 code units, got {utf16_len(caption)}")
    return {"caption": caption} if caption else {}
