"""From an update to a screen: the outer middleware (who is this user) and the error boundary."""

import logging
import time
import traceback
from collections.abc import Awaitable, Callable

import trio
from cachetools import TTLCache
from prometheus_client import Counter, Histogram

from storage import ERROR_LIMIT, AlreadyHandled, StorageError, StorageOutage, StorageRefusal, UserRecord, shortened
from telegram.client import BotClient
from telegram.deep_links import referrer_in, start_payload
from telegram.errors import TelegramError
from telegram.i18n import LANGUAGES, pick_language
from telegram.routing.context import PENDING, PENDING_SECONDS, Context
from telegram.routing.intake import chat_key, is_payment, reports_payment
from telegram.routing.router import Router
from telegram.routing.shop import PurchaseUnavailable, Shop
from telegram.texts import Texts
from telegram.types import Update, User

log = logging.getLogger(__name__)

UPDATES = Counter("shopkeeper_updates_total", "Updates handled, by kind and outcome", ["kind", "outcome"])
HANDLING = Histogram(
    "shopkeeper_update_seconds",
    "Time to handle one update",
    # From 1 ms: the shop aims at about 1 ms of CPU per update, and a coarser first bucket hides it.
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

STAFF = frozenset({"owner", "admin"})
BLOCKED_NOTICE_SECONDS = 86_400.0
# The most users this process remembers having asked a question (see Dispatcher.asked).
ASKED_MAX = 100_000
# What a user who may not use the shop now is told instead of any screen; "dropped": what a chat
# whose messages came faster than the shop answers is told when some were skipped (see `tell`).
NOTICE = {"blocked": "error.blocked", "maintenance": "error.maintenance", "dropped": "error.dropped"}

# Runs before routing (e.g. the channel gate); False: it has answered the update itself, don't route it.
type Guard = Callable[[Context], Awaitable[bool]]


class Dispatcher:
    """Handles one update at a time for its caller (a chat lane): user, guard, route, answer."""

    def __init__(self, router: Router, *, bot: BotClient, shop: Shop, guard: Guard | None = None) -> None:
        self.router = router
        self.guard = guard
        self.bot = bot
        self.shop = shop
        self.texts = {language: Texts(shop.settings, language) for language in LANGUAGES}
        self.users = shop.users
        # Users this process asked a question, for as long as a question lasts: the others' presses
        # and commands cost no key-value call. Past ASKED_MAX the least recently asked are forgotten
        # here; their question still ends when answered or after PENDING_SECONDS.
        self.asked: TTLCache[int, bool] = TTLCache(maxsize=ASKED_MAX, ttl=PENDING_SECONDS, timer=trio.current_time)

    def remember(self, user: UserRecord) -> Texts:
        """A screen changed the user (their language): cache the new record, return their texts."""
        self.users.put(user)
        return self.texts_for(user)

    def texts_for(self, user: UserRecord) -> Texts:
        return self.texts[pick_language(user.language, user.language_code, self.shop.settings.default_language)]

    async def feed(self, update: Update) -> None:
        """Handle one update. Errors of the shop's own rooms get an apology; others propagate.

        An outage of the store (StorageOutage) or of the purchase lane (PurchaseUnavailable) is
        answered "temporarily unavailable, try again" (error.temporary). A refusal of the store
        (StorageRefusal) that no screen handled is a bug: it is logged with where it was raised and
        answered with a plain apology that does not ask to try again (error.unexpected).

        A message reporting a payment or a refund that meets a StorageError of either kind gets no
        apology: the error propagates, and the caller keeps the update and hands it in again later
        (the shop settles it on its own). A refusal there is a bug too, but the money was taken: the
        update stays in the inbox, so that the release that fixes the bug credits it. A use case that
        finds its update handled already (AlreadyHandled: a replay after a crash) ends the update
        quietly; a question it answered is forgotten."""
        kind, sender = _kind_and_sender(update)
        if sender is None or sender.is_bot:
            UPDATES.labels(kind, "ignored").inc()
            return
        started = time.perf_counter()
        ctx: Context | None = None
        outcome = "handled"
        try:
            # /start refreshes the stored profile; any other update is answered from the cache when it can.
            start = start_payload(update.message.text) if update.message is not None else None
            user = await self._user(sender, start=start)
            ctx = Context(
                update,
                bot=self.bot,
                shop=self.shop,
                user=user,
                texts=self.texts_for(user),
                remember=self.remember,
                asked=self.asked,
            )
            if is_payment(update):
                # Money moves whatever the user's state: no gate, no pending question applies.
                if not await self.router.route(ctx):
                    outcome = "unhandled"
                return
            if user.blocked:
                outcome = "blocked"
                await self._tell_blocked(ctx)
                return
            if user.role not in STAFF and (await self.shop.switches.get(self.shop.store)).maintenance:
                outcome = "maintenance"
                await self._tell(ctx, "maintenance")
                return
            if self.guard is not None and not await self.guard(ctx):
                outcome = "guarded"
                return
            if ctx.message is not None and ctx.command is None:
                ctx.pending = await PENDING.load(self.shop.store.kv, user.id)
            else:
                await ctx.moved_on()
            if not await self.router.route(ctx):
                outcome = "unhandled"
        except AlreadyHandled:
            outcome = "repeated"
            if ctx is not None and ctx.pending is not None:
                await ctx.forget()
        except (StorageOutage, PurchaseUnavailable) as error:
            outcome = "failed"
            # Shortened: a storage error may quote what the user typed (a title, a code).
            log.warning("update %s: %s", update.update_id, shortened(error, ERROR_LIMIT))
            if isinstance(error, StorageError) and reports_payment(update):
                outcome = "deferred"
                raise
            await self._apologise(ctx, sender.id, temporary=True)
        except StorageRefusal as error:
            outcome = "unexpected"
            log.error(
                "update %s: a refusal no screen handled: %s: %s\n%s",
                update.update_id,
                type(error).__name__,
                shortened(error, ERROR_LIMIT),
                _raised_at(error),
            )
            if reports_payment(update):
                outcome = "deferred"
                raise
            await self._apologise(ctx, sender.id, temporary=False)
        except TelegramError as error:
            outcome = "failed"
            log.warning("update %s: Bot API: %s", update.update_id, error)
        finally:
            if ctx is not None:
                await ctx.finish()  # never raises: a refused answer is only logged (Context.notify)
            UPDATES.labels(kind, outcome).inc()
            HANDLING.observe(time.perf_counter() - started)

    async def tell(self, update: Update, notice: str) -> None:
        """A short notice (a NOTICE key) to the update's chat in its sender's language, outside any
        screen and without a database read (the intake's word about messages it dropped)."""
        _, sender = _kind_and_sender(update)
        if sender is None:
            return
        cached = self.users.get(sender.id)
        texts = (
            self.texts_for(cached)
            if cached is not None
            else self.texts[pick_language(None, sender.language_code, self.shop.settings.default_language)]
        )
        try:
            await self.bot.send_message(chat_key(update), texts(NOTICE[notice]))
        except TelegramError as error:
            log.info("notice %s to %s failed: %s", notice, chat_key(update), error)

    async def _user(self, sender: User, *, start: str | None) -> UserRecord:
        """The sender's record: from the cache, or registered/refreshed (always on /start, whose
        payload may name who invited a new user)."""
        cached = self.users.get(sender.id)
        if cached is not None and start is None:
            return cached
        user = await self.shop.store.register_user(
            sender.id,
            username=sender.username,
            first_name=sender.first_name,
            language_code=sender.language_code,
            owner_id=self.shop.owner_id,
            referrer_id=referrer_in(start),
        )
        self.users.put(user)
        return user

    async def _tell_blocked(self, ctx: Context) -> None:
        """A blocked user hears it once a day at most; everything else they send goes unanswered."""
        if await self.shop.store.kv.set_if_absent(f"blocked-told:{ctx.user.id}", "1", ttl=BLOCKED_NOTICE_SECONDS):
            await self._tell(ctx, "blocked")

    async def _tell(self, ctx: Context, notice: str) -> None:
        if ctx.callback is not None:
            await ctx.notify(ctx.t.plain(NOTICE[notice]), alert=True)
        else:
            await ctx.reply(ctx.t(NOTICE[notice]))

    async def _apologise(self, ctx: Context | None, chat_id: int, *, temporary: bool) -> None:
        """Sorry, and try again (an outage); or only sorry (a bug: trying again would fail again)."""
        texts = ctx.t if ctx is not None else self.texts[self.shop.settings.default_language]
        key = "error.temporary" if temporary else "error.unexpected"
        try:
            if ctx is not None and ctx.callback is not None:
                await ctx.notify(texts.plain(key), alert=True)
            else:
                await self.bot.send_message(chat_id, texts(key))
        except TelegramError as error:
            log.info("apology to %s failed: %s", chat_id, error)


def _raised_at(error: BaseException) -> str:
    """Where `error` was raised: its traceback's frames, without its text (which may quote what a
    user typed, and is logged shortened beside them)."""
    return "Traceback (most recent call last):\n" + "".join(traceback.format_tb(error.__traceback__)).rstrip()


def _kind_and_sender(update: Update) -> tuple[str, User | None]:
    if update.message is not None:
        return "message", update.message.from_
    if update.callback_query is not None:
        return "callback_query", update.callback_query.from_
    if update.pre_checkout_query is not None:
        return "pre_checkout_query", update.pre_checkout_query.from_
    return "other", None
