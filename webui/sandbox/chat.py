"""The sandbox's people and what they do in their chat with the bot, through the emulator (and the
CryptoPay twin for crypto payments): the model behind the page's routes (webui.sandbox.routes).

Resource handling: it owns nothing; every wait (a payment's pre-checkout answer, a chat's next
change) happens in the caller's task, so cancelling the request is all the cleanup there is.
"""

import hashlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from telegram.cryptopay.twin import CryptoPayTwin
from telegram.emulator import ButtonNotFound, Emulator, EmulatorError
from webui.sandbox.messages import Context, MessageView, message_view, reply_keyboard

if TYPE_CHECKING:
    from telegram.emulator.state import Chat, StoredFile

log = logging.getLogger(__name__)

# The page draws a chat's newest messages only, so that a long chat costs the same to redraw.
MESSAGES_SHOWN = 200
BUYERS = ((1001, "Ann"), (1002, "Ben"), (1003, "Cleo"))
# Telegram's limit on a message's text, which its apps hold a person to.
TEXT_LIMIT = 4096


@dataclass(frozen=True)
class Persona:
    """Someone the page can be: a simulated buyer, or the shop's owner."""

    user_id: int
    name: str
    role: str  # "buyer" | "owner"


class Refusal(Exception):
    """What the person tried cannot be done (no such button, an invoice already paid): `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Drawn:
    """A chat as the page shows it now: its messages' views with a version each (a hash of what they
    show, so the page redraws only what changed), the reply keyboard, and the person's Stars."""

    revision: int
    messages: list[tuple[MessageView, str]]
    keyboard: list[list[str]]
    stars: int
    answers: int  # how many button answers the person has had (their texts are shown as toasts)


class SandboxChat:
    """The emulator's chats with the sandbox's bot, as the page's people (the buyers and the owner)."""

    def __init__(self, emulator: Emulator, twin: CryptoPayTwin | None, owner_id: int) -> None:
        self.emulator = emulator
        self.twin = twin
        self.personas = [Persona(user_id, name, "buyer") for user_id, name in BUYERS]
        if all(persona.user_id != owner_id for persona in self.personas):
            self.personas.append(Persona(owner_id, "Owner", "owner"))

    def persona(self, user_id: int) -> Persona | None:
        return next((persona for persona in self.personas if persona.user_id == user_id), None)

    def chat(self, persona: Persona) -> "Chat":
        """The persona's private chat with the bot; its emulated user is made on first use."""
        self.emulator.user(persona.user_id, persona.name)
        return self.emulator.chat(self.emulator.bot(), persona.user_id)

    # ----- drawing -----------------------------------------------------------------------------------
    def draw(self, persona: Persona) -> Drawn:
        chat = self.chat(persona)
        messages = list(chat.messages.values())[-MESSAGES_SHOWN:]
        crypto_links = self._crypto_links()
        invoices = self.emulator.payments.invoices

        def paid(message_id: int) -> bool | None:
            found = invoices.get((chat.bot.id, chat.user_id, message_id))
            return None if found is None else found.paid

        context = Context(chat.bot.id, paid, crypto_links, self._file_url)
        views = [message_view(message, context) for message in messages]
        user = self.emulator.user(persona.user_id)
        return Drawn(
            chat.revision,
            [(view, _version(view)) for view in views],
            reply_keyboard(messages, chat.bot.id),
            user.stars,
            len(user.callback_answers),
        )

    def commands(self) -> list[tuple[str, str]]:
        """The bot's command menu (setMyCommands, the default one): (command, description) pairs."""
        listed = self.emulator.bot().commands.get(("default", ""), [])
        return [(f"/{command['command']}", str(command["description"])) for command in listed]

    def answers_since(self, persona: Persona, seen: int) -> list[str]:
        """The texts of the button answers (toasts and alerts) the persona had after the first `seen`."""
        answers = self.emulator.user(persona.user_id).callback_answers[seen:]
        return [str(answer["text"]) for answer in answers if answer.get("text")]

    def _crypto_links(self) -> dict[str, bool]:
        """The twin's invoices' pay links, each with whether it can still be paid."""
        if self.twin is None:
            return {}
        return {i.pay_url: i.status == "active" for i in self.twin.invoices.values() if i.pay_url is not None}

    def _file_url(self, file_id: str) -> str | None:
        stored = self.emulator.files.get(file_id)
        return None if stored is None or stored.content is None else f"/sandbox/files/{file_id}"

    def file(self, file_id: str) -> "StoredFile | None":
        """A file of the sandbox's chats that has bytes to serve."""
        stored = self.emulator.files.get(file_id)
        return stored if stored is not None and stored.content is not None else None

    # ----- acting ------------------------------------------------------------------------------------
    async def send(self, persona: Persona, text: str) -> None:
        if not text.strip():
            raise Refusal("Type something first.")
        if len(text) > TEXT_LIMIT:
            raise Refusal(f"A message is at most {TEXT_LIMIT} characters.")
        self.chat(persona)
        await self.emulator.user(persona.user_id).send_text(text)

    async def press(self, persona: Persona, message_id: int, label: str) -> None:
        self.chat(persona)
        try:
            await self.emulator.user(persona.user_id).press(label, message_id)
        except ButtonNotFound:
            raise Refusal("That button is gone: the bot changed the message.") from None

    async def pay(self, persona: Persona, message_id: int) -> str:
        """Pay the invoice in message `message_id`: the bot is asked (pre-checkout) and, if it agrees, the
        person is charged. Returns what the person is told when it did not go through, else ""."""
        self.chat(persona)
        try:
            outcome = await self.emulator.user(persona.user_id).pay(message_id)
        except EmulatorError as error:
            raise Refusal(str(error)) from None
        if outcome.status == "paid":
            return ""
        if outcome.status == "insufficient_stars":
            return "Not enough Stars to pay this invoice."
        if outcome.status == "timeout":
            return "The bot did not confirm the payment in time: nothing was charged."
        return outcome.error_message or "The bot refused the payment."

    async def pay_crypto(self, persona: Persona, url: str) -> None:
        """Pay the CryptoPay invoice at `url` in the twin, and send the shop the twin's signed webhook,
        as CryptoPay would once the person paid in Crypto Bot."""
        twin = self.twin
        found = None if twin is None else next((i for i in twin.invoices.values() if i.pay_url == url), None)
        if twin is None or found is None:
            raise Refusal("The CryptoPay twin holds no such invoice.")
        try:
            twin.mark_paid(found.invoice_id)
        except ValueError as error:
            raise Refusal(f"The invoice cannot be paid: {error}") from None
        # Without the webhook (no address yet, or the shop not answering) the shop's reconciler finds the
        # payment by polling the twin, as it would CryptoPay.
        if twin.webhook_url:
            try:
                await twin.send_webhook(found.invoice_id)
            except httpx.TransportError as error:
                log.warning("the CryptoPay twin's webhook did not reach the shop: %s", error)


def _version(view: MessageView) -> str:
    return hashlib.blake2b(repr(view).encode(), digest_size=8).hexdigest()
