"""`FloodControl`: the transformer that keeps message sends under Telegram's flood limits.

Limits (Bot FAQ): about `global_rate` messages/s overall and `chat_rate` per chat, a chat allowed a
burst of `chat_burst` back-to-back messages. The overall limit is a PacedRate, each chat's a token
bucket, all on `trio.current_time()`, so a `MockClock` drives them in tests. Waiters are served first
come, first served (each bucket is guarded by a `trio.Lock`, which is fair), so a chat's sends leave in
the order they were made.

Only message-creating methods (`LIMITED_METHODS`) are limited, and a paid broadcast message
(allow_paid_broadcast, up to 1000/s) only per chat: the broadcaster paces those itself. getUpdates is not a send; and
answerCallbackQuery and edits are answers to what the user just did: Telegram does not count them as
messages sent, and queuing them behind a broadcast would leave the user's button spinning (a callback
query also expires). The server still has the last word: a 429 on them is obeyed by `auto_retry`.

A RetryAfter from a limited method means the whole bot is over its budget: it pauses *all* limited sends
until `now + retry_after` (one shared deadline), then they resume at the normal rates. A 429 on an edit
or a callback answer is about that one message, so it does not pause the sends.
"""

import math
from collections import deque
from collections.abc import Collection, Hashable
from typing import Any

import msgspec
import trio

from ..errors import RetryAfter
from .chain import Call

LIMITED_METHODS: frozenset[str] = frozenset(
    {
        "sendMessage", "sendDocument", "sendPhoto", "sendVideo", "sendAudio", "sendAnimation", "sendVoice",
        "sendVideoNote", "sendSticker", "sendMediaGroup", "sendLocation", "sendVenue", "sendContact",
        "sendPoll", "sendDice", "sendInvoice", "sendPaidMedia", "copyMessage", "copyMessages",
        "forwardMessage", "forwardMessages",
    }
)  # fmt: skip

# Float noise must not make a waiter sleep for 1e-17 s forever (the clock would not advance).
_EPSILON = 1e-9
# Idle per-chat buckets are dropped once there are more than this many.
_MAX_IDLE_CHATS = 1024
# The window PacedRate keeps `rate` sends in: a second, and 5 ms for requests arriving a little out of step.
WINDOW = 1.005


class TokenBucket:
    """`rate` tokens per second, holding at most `burst`; starts full.

    Contract: `await take()` returns once one token was consumed; concurrent takers are served in
    arrival order. Cancellation while waiting consumes nothing.
    """

    def __init__(self, rate: float, burst: float) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self.lock = trio.Lock()
        self._tokens = float(burst)
        self._stamp: float | None = None  # set on first use: the bucket may be built outside trio.run

    def _refill(self) -> float:
        now = trio.current_time()
        if self._stamp is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        return now

    async def take(self) -> None:
        async with self.lock:
            await self.take_locked()

    async def take_locked(self) -> None:
        """`take()` for a caller that already holds `self.lock`."""
        while True:
            now = self._refill()
            if self._tokens >= 1 - _EPSILON:
                self._tokens -= 1
                return
            await trio.sleep_until(now + (1 - self._tokens) / self.rate)

    def idle(self) -> bool:
        """True when nobody waits and the bucket is full again: forgetting it changes nothing."""
        self._refill()
        return not self.lock.locked() and self._tokens >= self.burst - _EPSILON


class PacedRate:
    """At most `rate` sends a second, evenly spaced, losing nothing to late wake-ups.

    Each send has a slot on a schedule 1/rate apart. A send that wakes up late (the event loop was busy)
    does not push the schedule back, as a token bucket of burst 1 does: at 30/s each late wake-up cost
    a little, about 3 % of the rate in all. So that catching up never packs more than `rate` sends
    into a second, a send also waits until WINDOW seconds have passed since the send `floor(rate)`
    sends before it (WINDOW is a second and a little, for the requests' own jitter on the way).
    A sender idle for longer than one interval starts a new schedule.

    Contract: as TokenBucket's `take()`/`take_locked()`, with `lock`; concurrent takers are served in
    arrival order, and cancellation while waiting consumes nothing.
    """

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("a paced rate needs rate > 0")
        self.rate = rate
        self.lock = trio.Lock()
        self._interval = 1 / rate
        self._recent: deque[float] = deque(maxlen=max(1, math.floor(rate)))
        self._slot: float | None = None

    async def take(self) -> None:
        async with self.lock:
            await self.take_locked()

    async def take_locked(self) -> None:
        """`take()` for a caller that already holds `self.lock`."""
        now = trio.current_time()
        if self._slot is None or now > self._slot + self._interval:
            self._slot = now
        start = self._slot
        if len(self._recent) == self._recent.maxlen:
            start = max(start, self._recent[0] + WINDOW)
        if start > now:
            await trio.sleep_until(start)
        self._recent.append(trio.current_time())
        self._slot = start + self._interval


class FloodStatistics(msgspec.Struct, frozen=True, kw_only=True):
    paused_until: float
    chats: int


class FloodControl:
    """The flood-control transformer; install with `client.use(...)`. See the module docstring.

    Args:
      global_rate: messages per second over all chats (a PacedRate: no second ever holds more).
      chat_rate, chat_burst: messages per second per chat, and its back-to-back allowance.
      methods: the methods to limit.
    """

    def __init__(
        self,
        *,
        global_rate: float,
        chat_rate: float,
        chat_burst: int,
        methods: Collection[str] = LIMITED_METHODS,
    ) -> None:
        self._global = PacedRate(global_rate)
        self._chat_rate = chat_rate
        self._chat_burst = chat_burst
        self._methods = frozenset(methods)
        self._chats: dict[Hashable, TokenBucket] = {}
        self._paused_until = float("-inf")

    async def __call__(self, prev: Call, method: str, params: dict[str, Any], files: dict[str, Any] | None) -> Any:
        if method not in self._methods:
            return await prev(method, params, files)
        await self.wait_turn(params.get("chat_id"), paid=bool(params.get("allow_paid_broadcast")))
        try:
            return await prev(method, params, files)
        except RetryAfter as e:
            self.pause(e.retry_after)
            raise

    async def wait_turn(self, chat_id: Hashable | None, *, paid: bool = False) -> None:
        """Wait until one more message may be sent to `chat_id` (None: only the global limit applies).
        A paid broadcast message (allow_paid_broadcast) is outside the global limit: its sender paces it."""
        if chat_id is None:
            async with self._global.lock:
                await self._global.take_locked()
                await self._wait_unpaused()
            return
        bucket = self._chat_bucket(chat_id)
        # Hold the chat's lock through the global wait: a chat's sends keep their order.
        async with bucket.lock:
            await bucket.take_locked()
            if paid:
                await self._wait_unpaused()
                return
            async with self._global.lock:
                await self._global.take_locked()
                await self._wait_unpaused()

    def pause(self, seconds: float) -> None:
        """Hold every limited send until `seconds` from now (extends, never shortens, a pause)."""
        self._paused_until = max(self._paused_until, trio.current_time() + seconds)

    def statistics(self) -> FloodStatistics:
        return FloodStatistics(paused_until=self._paused_until, chats=len(self._chats))

    async def _wait_unpaused(self) -> None:
        # Loop: another 429 may extend the pause while we sleep.
        while trio.current_time() < self._paused_until:
            await trio.sleep_until(self._paused_until)

    def _chat_bucket(self, chat_id: Hashable) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) >= _MAX_IDLE_CHATS:
                self._chats = {k: b for k, b in self._chats.items() if not b.idle()}
            bucket = self._chats[chat_id] = TokenBucket(self._chat_rate, self._chat_burst)
        return bucket
