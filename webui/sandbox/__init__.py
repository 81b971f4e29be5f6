"""The sandbox's chat page: a chat with the bot through the Bot API emulator, as a buyer (or the
owner) sees it in Telegram, live. Only `shopkeeper sandbox` makes one (actors.sandbox) and hands it to
the app (`create_app(..., sandbox=sandbox_pages(...))`); the shop itself never imports this package,
which brings the emulator and the CryptoPay twin."""

from functools import partial

from telegram.cryptopay.twin import CryptoPayTwin
from telegram.emulator import Emulator
from webui.config import WebSettings
from webui.sandbox.chat import BUYERS, Persona, SandboxChat
from webui.sandbox.routes import page_hosts, register


def sandbox_pages(
    emulator: Emulator, twin: CryptoPayTwin | None, owner_id: int, web: WebSettings | None = None
) -> "partial[None]":
    """What registers the chat page with the app: the emulator's chats with its first bot, played as
    the buyers (BUYERS) and the owner; crypto payments go through `twin` when there is one. The page
    answers at the host names `web` gives (default: loopback's)."""
    chat = SandboxChat(emulator, twin, owner_id)
    return partial(register, sandbox=chat, hosts=page_hosts(web or WebSettings()))


__all__ = ["BUYERS", "Persona", "SandboxChat", "sandbox_pages"]
