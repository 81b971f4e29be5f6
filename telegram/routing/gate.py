"""The required-channel gate: an outer middleware that lets only members of a channel reach the screens.

Membership is Telegram's answer to getChatMember. A positive answer is remembered in process for
MEMBER_SECONDS, so a member costs one call every few minutes, not one per update; a negative one only
for NON_MEMBER_SECONDS, and a press of "I've joined" (a recheck) always asks again, so a user who just
joined is let in at once. When Telegram cannot answer (the bot is not an administrator of the channel,
the channel does not exist, the network fails) the gate logs a warning and lets the user through for
FAILED_SECONDS: a misconfigured gate must not close the shop.

The shop's staff (owner, admins) and the updates the screens declare open (/start, the help pages,
the recheck itself) are never gated.
"""

import logging
from collections.abc import Awaitable, Callable

import trio
from cachetools import TLRUCache
from prometheus_client import Counter

from telegram.client import BotClient
from telegram.errors import TelegramError
from telegram.routing.context import Context
from telegram.types import ChatMember

log = logging.getLogger(__name__)

CHECKS = Counter("shopkeeper_channel_checks_total", "getChatMember calls of the channel gate, by outcome", ["outcome"])

MEMBER_SECONDS = 300.0
NON_MEMBER_SECONDS = 5.0
FAILED_SECONDS = 60.0
CACHE_SIZE = 100_000
IN_CHANNEL = frozenset({"creator", "administrator", "member"})
STAFF = frozenset({"owner", "admin"})


def in_channel(member: ChatMember) -> bool:
    """A member, an admin or the creator; a restricted user only while still in the chat; not left/kicked."""
    return member.status in IN_CHANNEL or (member.status == "restricted" and bool(member.is_member))


def channel_ref(channel: str) -> int | str:
    """The chat_id to ask about: a numeric id as an int, an "@name" as it is."""
    return int(channel) if channel.lstrip("-").isdigit() else channel


class ChannelGate:
    """A guard for the dispatcher: `await gate(ctx)` is True when the update may be routed; when it is
    False the gate has already shown the user the way in (`refuse`).

    Args:
      bot: asks Telegram about membership.
      channel: "@name" or a numeric chat id.
      is_open: updates anyone may send (they are routed without a check).
      is_recheck: the "I've joined" press: checked afresh, then routed when the user is in.
      refuse: answers a user who is not in the channel.
    """

    def __init__(
        self,
        bot: BotClient,
        channel: str,
        *,
        is_open: Callable[[Context], bool],
        is_recheck: Callable[[Context], bool],
        refuse: Callable[[Context], Awaitable[None]],
    ) -> None:
        self.bot = bot
        self.channel = channel_ref(channel)
        self._is_open = is_open
        self._is_recheck = is_recheck
        self._refuse = refuse
        # user id → (admitted, seconds the answer holds), each for its own time on trio's clock
        self._known: TLRUCache[int, tuple[bool, float]] = TLRUCache(maxsize=CACHE_SIZE, ttu=_expires, timer=trio.current_time)

    async def __call__(self, ctx: Context) -> bool:
        if ctx.user.role in STAFF or self._is_open(ctx):
            return True
        if await self.admits(ctx.user.id, fresh=self._is_recheck(ctx)):
            return True
        await self._refuse(ctx)
        return False

    async def admits(self, user_id: int, *, fresh: bool = False) -> bool:
        """Whether the user is in the channel (or Telegram could not say); `fresh` ignores a remembered no."""
        known = self._known.get(user_id)
        if known is not None and (known[0] or not fresh):
            return known[0]
        try:
            member = await self.bot.get_chat_member(self.channel, user_id)
        except TelegramError as error:
            CHECKS.labels("failed").inc()
            log.warning("channel gate: cannot check %s, letting user %s in: %s", self.channel, user_id, error)
            self._known[user_id] = (True, FAILED_SECONDS)
            return True
        admitted = in_channel(member)
        CHECKS.labels("member" if admitted else "not_member").inc()
        self._known[user_id] = (admitted, MEMBER_SECONDS if admitted else NON_MEMBER_SECONDS)
        return admitted


def _expires(_user_id: int, answer: tuple[bool, float], now: float) -> float:
    return now + answer[1]
