"""What the screens may use of the shop: handed to them at start-up by the actors."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import trio
from cachetools import TTLCache

from storage import SWITCHES, USER, PurchaseRequest, PurchaseResult, ShopSwitches, Store, UserRecord
from telegram.client import BotClient
from telegram.config import ShopSettings

if TYPE_CHECKING:  # the desk sends deliveries through the screens, which import routing
    from telegram.payments import PaymentDesk


# A user's identity and role are cached so that browsing costs no user query; the balance is never
# taken from the cache (screens that show money read it fresh).
USER_CACHE_SECONDS = 60.0
USER_CACHE_SIZE = 100_000


class UserCache:
    """Users as last read, each for USER_CACHE_SECONDS of trio's clock; past USER_CACHE_SIZE the least
    recently used are let go first. A user changed in any process (role, blocked, language) is dropped
    (storage.invalidation: at once with Redis; without it, other processes' changes within the TTL)."""

    def __init__(self) -> None:
        self._users: TTLCache[int, UserRecord] = TTLCache(
            maxsize=USER_CACHE_SIZE, ttl=USER_CACHE_SECONDS, timer=trio.current_time
        )

    def get(self, user_id: int) -> UserRecord | None:
        return self._users.get(user_id)

    def drop(self, user_id: int) -> None:
        """Forget a user the staff changed (blocked, made an admin): their next update reads them afresh."""
        self._users.pop(user_id, None)

    def put(self, user: UserRecord) -> None:
        self._users[user.id] = user

    def changed(self, user_id: str) -> None:
        """A user changed in some process (storage.invalidation): "" for every user."""
        if user_id:
            self.drop(int(user_id))
        else:
            self._users.clear()


# Every update asks whether the shop is in maintenance; the database is asked at most this often.
SWITCHES_SECONDS = 5.0


class SwitchCache:
    """The shop-wide switches (maintenance mode) as last read, re-read once SWITCHES_SECONDS of trio's
    clock have passed. A change in any process drops them (storage.invalidation: at once with Redis;
    without it, other processes' changes show within SWITCHES_SECONDS)."""

    def __init__(self) -> None:
        self._last: TTLCache[str, ShopSwitches] = TTLCache(maxsize=1, ttl=SWITCHES_SECONDS, timer=trio.current_time)

    async def get(self, store: Store) -> ShopSwitches:
        switches = self._last.get("switches")
        if switches is None:
            switches = await store.shop_switches()
            self.put(switches)
        return switches

    def put(self, switches: ShopSwitches) -> None:
        self._last["switches"] = switches

    def changed(self, _: str) -> None:
        """The switches changed in some process (storage.invalidation): read them afresh."""
        self._last.clear()


class PurchaseUnavailable(Exception):
    """The purchase lane had no answer: the store was out of reach or busy (a StorageOutage), or the
    purchase serializer failed or is stopping. Nothing was charged, and trying again may work: an
    outage, answered as one. (The store's refusal of a purchase reaches the buyer's screen as itself.)"""


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
    # The web app's sign-in link for a token (/web): where the web app is, the actors know.
    sign_in_link: Callable[[str], str]
    identity: BotIdentity = field(default_factory=BotIdentity)
    payments: "PaymentDesk | None" = None
    # Users as the dispatcher last read them (shared so that a staff screen can drop one it changed).
    users: UserCache = field(default_factory=UserCache)
    switches: SwitchCache = field(default_factory=SwitchCache)
    # Broadcasts: whether they are paid (allow_paid_broadcast), and how a screen tells the broadcaster
    # that one was created or moved (it also looks every few seconds on its own).
    paid_broadcast: bool = False
    broadcast_doorbell: Callable[[], None] = field(default=lambda: None)

    def __post_init__(self) -> None:
        # What another process changes drops from these caches at once (storage.invalidation).
        self.store.invalidations.on(USER, self.users.changed)
        self.store.invalidations.on(SWITCHES, self.switches.changed)
