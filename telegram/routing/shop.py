"""What the screens may use of the shop: handed to them at start-up by the actors."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from storage import PurchaseRequest, PurchaseResult, Store
from telegram.client import BotClient
from telegram.config import ShopSettings

if TYPE_CHECKING:  # the desk sends deliveries through the screens, which import routing
    from telegram.payments import PaymentDesk


class PurchaseUnavailable(Exception):
    """The purchase serializer could not answer (it failed or is stopping); nothing was charged."""


class BotIdentity:
    """The bot's own @username, for t.me links: asked of Telegram (getMe) once, then kept for the
    life of the process. The start-up announcement fills it; a screen that needs it first asks."""

    def __init__(self) -> None:
        self._username: str | None = None

    def remember(self, username: str | None) -> None:
        self._username = username or ""

    async def username(self, bot: BotClient) -> str:
        """The username ("" for a bot without one); raises TelegramError when getMe fails."""
        if self._username is None:
            self._username = (await bot.get_me()).username or ""
        return self._username


@dataclass(frozen=True, kw_only=True)
class Shop:
    """The screens' interface to the shop.

    `store` answers reads and simple writes (one transaction each); `buy` hands a purchase to the
    purchase serializer and waits for its result, raising PurchaseUnavailable when there is none;
    `payments` opens orders and settles payments (None in shops wired without payments, e.g. tests
    of other screens).
    """

    store: Store
    buy: Callable[[PurchaseRequest], Awaitable[PurchaseResult]]
    settings: ShopSettings
    owner_id: int
    identity: BotIdentity = field(default_factory=BotIdentity)
    payments: "PaymentDesk | None" = None
