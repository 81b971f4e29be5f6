"""Timing answers end to end for bench/updates.py: an emulator that notes when the bot answered each
user's update in flight (its sendMessage to the chat, or its answer to the press), and the meter that
collects those latencies while a measurement is open."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import trio

from telegram.emulator import ApiOutcome, EmulatedUser, Emulator

# How long a user waits for an answer before counting the update as unanswered.
ANSWER_TIMEOUT = 10.0


@dataclass(eq=False)
class Waiter:
    """One user's update in flight. `query_id` None: a message, answered by a sendMessage to the chat."""

    query_id: str | None
    queued: float
    answered: trio.Event = field(default_factory=trio.Event)
    answered_at: float = 0.0


class TimedEmulator(Emulator):
    """The emulator, waking the user whose update the bot just answered (see bench/updates.py's docstring)."""

    def __init__(self, *, local_webhooks: bool = False) -> None:
        super().__init__(record_calls=False, local_webhooks=local_webhooks)
        self.waiting: dict[int, Waiter] = {}  # chat id → its update in flight
        self.latest: dict[int, int] = {}  # chat id → the bot's newest message there
        self.error_answers: Counter[str] = Counter()  # "method: description" → how often
        self.polled = trio.Event()
        self.polls = 0
        self.updates_carried = 0  # by all getUpdates answers: an update fetched twice counts twice
        self.stopping = False

    async def call_api(self, token: str, method: str, params: dict[str, Any]) -> ApiOutcome:
        outcome = await super().call_api(token, method, params)
        if outcome.status == 409 and method == "getUpdates" and self.stopping:
            pass  # the long poll a stopping shop walked away from, ended by its final confirmation
        elif outcome.status != 200:
            self.error_answers[f"{method}: {outcome.body.get('description')}"] += 1
        elif method == "sendMessage":
            chat_id = int(params["chat_id"])
            self.latest[chat_id] = outcome.body["result"]["message_id"]
            self._answered(chat_id, None)
        elif method == "answerCallbackQuery":
            query_id = str(params["callback_query_id"])
            self._answered(self.queries[query_id].user_id, query_id)
        elif method == "getUpdates":
            self.polled.set()
            self.polls += 1
            self.updates_carried += len(outcome.body["result"])
        return outcome

    def stop(self) -> None:
        """The shop is being stopped: its long poll may end in a 409, which is no error then."""
        self.stopping = True

    def _answered(self, chat_id: int, query_id: str | None) -> None:
        waiter = self.waiting.get(chat_id)
        if waiter is not None and waiter.query_id == query_id:
            del self.waiting[chat_id]
            waiter.answered_at = trio.current_time()
            waiter.answered.set()


@dataclass
class Meter:
    """Latencies of the answers that arrive between open() and close(); stops after `updates` if given."""

    updates: int | None
    opened: float | None = None
    closed: float | None = None
    latencies: list[float] = field(default_factory=list)
    unanswered: int = 0
    full: trio.Event = field(default_factory=trio.Event)

    def open(self) -> None:
        self.opened = trio.current_time()

    def close(self) -> None:
        self.closed = trio.current_time()

    def measuring(self) -> bool:
        return self.opened is not None and self.closed is None

    def record(self, waiter: Waiter) -> None:
        if not self.measuring():
            return
        self.latencies.append(waiter.answered_at - waiter.queued)
        if self.updates is not None and len(self.latencies) >= self.updates:
            self.close()
            self.full.set()


async def ask(
    emu: TimedEmulator,
    user: EmulatedUser,
    *,
    text: str = "",
    button: tuple[str, int] | None = None,
    timeout: float = ANSWER_TIMEOUT,
) -> Waiter | None:
    """Send `text` or press `button` (label, message id), then wait up to `timeout` s for the answer; None if none came."""
    query_id = None
    if button is None:
        await user.send_text(text)
    else:
        query_id = await user.press(*button)
    # No checkpoint since the update was queued: the bot cannot have answered it yet.
    waiter = Waiter(query_id, trio.current_time())
    emu.waiting[user.id] = waiter
    with trio.move_on_after(timeout):
        await waiter.answered.wait()
        return waiter
    emu.waiting.pop(user.id, None)
    return None
