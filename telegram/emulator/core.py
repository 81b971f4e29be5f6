"""The emulator: one in-memory Telegram holding bots, users, chats and the call log.

`Emulator.call_api(token, method, params)` is the single core every Bot API request goes through,
whether it arrived through the httpx transport or the ASGI app (see `http.py`). All time is
`trio.current_time()`, so `trio.testing.MockClock` (pytest-trio's `autojump_clock`) drives long polls,
callback-query and pre-checkout deadlines and message dates.

Resource handling: nothing here owns tasks; waiting happens in the caller's task (long polls,
`EmulatedUser.wait_for`), so cancelling the caller is all the cleanup there is.
"""

import collections
import itertools
import time
from dataclasses import dataclass, field
from typing import Any, NoReturn

import trio

from telegram import doors

from .channels import Channel, Channels
from .errors import ApiError, EmulatorError, bad_request, forbidden
from .faults import REASONS, Fault, FaultPlan
from .groups import Group, group_chat
from .http import router
from .methods import new_file_ids
from .params import describe
from .payments import PRE_CHECKOUT_TIMEOUT, Payments
from .registry import METHODS
from .state import BotRecord, CallbackQuery, Chat, StoredFile
from .user import EmulatedUser
from .webhooks import deliver_webhooks

# How long a callback query may wait for answerCallbackQuery. Telegram does not document it; clients
# show a spinner for about 15 s and the server rejects answers after that.
CALLBACK_ANSWER_TIMEOUT = 15.0
# The methods that send a message, which Telegram's bulk limit counts.
FLOOD_COUNTED = frozenset({"sendMessage", "sendDocument", "sendPhoto", "sendInvoice"})


@dataclass
class ApiOutcome:
    """What one Bot API call produced. `lost` = "timeout" | "drop" when the answer never reaches the client."""

    status: int
    body: dict[str, Any]
    headers: list[tuple[str, str]] = field(default_factory=list)
    lost: str | None = None


class Call(tuple[float, str, dict[str, Any]]):
    """One Bot API call in the log: the tuple (time, method, params), so `for at, method, params in emu.calls`
    reads it, and `bot`, the id of the bot whose token made it (None: a token no bot has)."""

    bot: int | None

    def __new__(cls, at: float, method: str, params: dict[str, Any], bot: int | None) -> "Call":
        call = super().__new__(cls, (at, method, params))
        call.bot = bot
        return call


class Emulator:
    """An in-memory Telegram speaking the Bot API. Create bots and users, then hand `transport()` to httpx."""

    def __init__(
        self,
        *,
        record_calls: bool = True,
        callback_answer_timeout: float = CALLBACK_ANSWER_TIMEOUT,
        pre_checkout_timeout: float = PRE_CHECKOUT_TIMEOUT,
        flood_limit: int | None = None,
        local_webhooks: bool = False,
    ) -> None:
        self.faults = FaultPlan()
        # setWebhook accepts http:// on a loopback address too (the sandbox's shop; see webhooks.py).
        self.local_webhooks = local_webhooks
        self._bots_changed = trio.Event()
        # Telegram's bulk limit, enforced when set: more than `flood_limit` messages (paid broadcasts
        # aside) in any one second get 429 "retry after 1"; `floods` counts those answers.
        self.flood_limit = flood_limit
        self.floods = 0
        self._sent_times: collections.deque[float] = collections.deque()
        self.calls: list[Call] = []
        self.record_calls = record_calls
        self.callback_answer_timeout = callback_answer_timeout
        self.pre_checkout_timeout = pre_checkout_timeout
        self.queries: dict[str, CallbackQuery] = {}
        self.files: dict[str, StoredFile] = {}
        self.file_paths: dict[str, StoredFile] = {}  # what getFile made downloadable, by file_path
        # Each size's file_id → all the PhotoSizes of its photo, which a photo sent again by it brings back.
        self.photo_sets: dict[str, list[dict[str, Any]]] = {}
        self._file_numbers = itertools.count(1)
        self.channels = Channels()
        self.payments = Payments()
        self._bots_by_token: dict[str, BotRecord] = {}
        self._bots: list[BotRecord] = []
        self._users: dict[int, EmulatedUser] = {}
        self._chats: dict[tuple[int, int], Chat] = {}
        self._query_ids = itertools.count(4_000_000_000_000_000_001)
        # Message dates are unix seconds: wall time at creation plus trio time elapsed since first use.
        self._wall_base = int(time.time())
        self._trio_base: float | None = None

    # ----- time -------------------------------------------------------------------------------------
    def unix_now(self) -> int:
        now = trio.current_time()
        if self._trio_base is None:
            self._trio_base = now
        return self._wall_base + int(now - self._trio_base)

    # ----- bots and users ---------------------------------------------------------------------------
    def create_bot(self, token: str = "123456:TEST", username: str = "test_bot", first_name: str = "Bot") -> BotRecord:
        """Register a bot; its id is the integer before ':' in `token`. Re-creating a token returns it."""
        if token in self._bots_by_token:
            return self._bots_by_token[token]
        head, sep, _ = token.partition(":")
        if not sep or not head.isdigit():
            raise EmulatorError(f"bad token {token!r}: expected '<digits>:<secret>'")
        bot = BotRecord(id=int(head), token=token, username=username, first_name=first_name)
        self._bots_by_token[token] = bot
        self._bots.append(bot)
        self._bots_changed.set()
        self._bots_changed = trio.Event()
        return bot

    def bot(self, which: "BotRecord | str | int | None" = None) -> BotRecord:
        """Find a bot by record, token, username or id; None = the first bot created."""
        if isinstance(which, BotRecord):
            return which
        if which is None:
            if not self._bots:
                raise EmulatorError("no bot created yet: call emu.create_bot() first")
            return self._bots[0]
        for bot in self._bots:
            if which in (bot.token, bot.username, bot.id):
                return bot
        raise EmulatorError(f"unknown bot {which!r}")

    @property
    def bots(self) -> list[BotRecord]:
        return list(self._bots)

    def bots_changed(self) -> trio.Event:
        """The event the next create_bot sets."""
        return self._bots_changed

    async def deliver_webhooks(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> NoReturn:
        """POST each bot's updates to its webhook while one is set, as Telegram does (see webhooks.py),
        until cancelled. Supports the trio nursery start protocol: `await nursery.start(emu.deliver_webhooks)`."""
        await deliver_webhooks(self, task_status=task_status)

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        username: str | None = None,
        language_code: str | None = None,
        last_name: str | None = None,
    ) -> EmulatedUser:
        """Get or create a user; given fields update an existing one."""
        user = self._users.get(user_id)
        if user is None:
            user = EmulatedUser(self, user_id, first_name or f"User{user_id}", username, language_code, last_name)
            self._users[user_id] = user
        else:
            user.update(first_name=first_name, username=username, language_code=language_code, last_name=last_name)
        return user

    def known_user(self, user_id: int) -> EmulatedUser | None:
        """The user if one was created, without creating one."""
        return self._users.get(user_id)

    def channel(self, chat: str | int, *, title: str | None = None) -> Channel:
        """Get or create a channel by "@username" or negative id (see `channels.py`)."""
        return self.channels.get_or_create(chat, title)

    def set_chat_member(self, chat: str | int, user_id: int, status: str, *, is_member: bool | None = None) -> None:
        """Make `user_id` a "creator", "administrator", "member", "restricted" (with `is_member`), "left" or
        "kicked" member of the channel, creating the channel on first use."""
        self.channels.set_member(chat, user_id, status, is_member=is_member)

    def group(
        self, chat_id: int, *, title: str = "Group", type: str = "supergroup", bot: "BotRecord | str | int | None" = None
    ) -> Group:
        """Get or create a group chat (negative id) whose member is `bot` (default: the first bot); see `groups.py`."""
        member = self.bot(bot)
        chat = self._chats.get((member.id, chat_id))
        if chat is None:
            chat = self._chats[(member.id, chat_id)] = group_chat(member, chat_id, title, type)
        return Group(self, chat)

    def chat(self, bot: BotRecord, user_id: int) -> Chat:
        """The private chat of `user_id` with `bot`, created on first use."""
        key = (bot.id, user_id)
        chat = self._chats.get(key)
        if chat is None:
            chat = Chat(bot, user_id, self._users[user_id].chat_info())
            self._chats[key] = chat
        return chat

    def chat_for_bot(self, bot: BotRecord, chat_id: int, *, sending: bool = True) -> Chat:
        """The chat a bot addresses, with the official errors for unknown, unstarted and blocked chats."""
        if chat_id < 0 and (bot.id, chat_id) in self._chats:
            return self._chats[(bot.id, chat_id)]  # a group the bot is a member of
        if chat_id not in self._users:
            raise bad_request("chat not found")
        chat = self.chat(bot, chat_id)
        if sending and chat.blocked:
            raise forbidden("bot was blocked by the user")
        if sending and not chat.started:
            raise forbidden("bot can't initiate conversation with a user")
        return chat

    def store_file(
        self,
        name: str | None,
        content: bytes | None,
        mime_type: str | None,
        *,
        kind: str = "documents",
        bot: BotRecord | None = None,
        dimensions: tuple[int, int] | None = None,
    ) -> StoredFile:
        """Keep a file under a new file_id; `kind` is "documents" or "photos" (with its `dimensions`). The
        file_id is `bot`'s (sent to it, or uploaded by it) and no other bot's; None: any bot's (a test's own file)."""
        file_id, unique = new_file_ids()
        stored = StoredFile(
            file_id, unique, name, content, mime_type, kind, next(self._file_numbers), None if bot is None else bot.id, dimensions
        )
        self.files[file_id] = stored
        return stored

    def new_query(self, bot: BotRecord, user_id: int) -> CallbackQuery:
        query = CallbackQuery(str(next(self._query_ids)), bot.id, user_id, trio.current_time())
        self.queries[query.id] = query
        return query

    # ----- doors -----------------------------------------------------------------------------------
    def transport(self) -> doors.Transport:
        """An httpx.AsyncBaseTransport answering any host: `httpx.AsyncClient(transport=emu.transport())`."""
        return doors.Transport(router(self))

    def asgi_app(self) -> doors.ASGIApp:
        """An ASGI3 app with the same routes, for hypercorn (see `serve_emulator`)."""
        return doors.asgi_app(router(self))

    # ----- delivery accounting ----------------------------------------------------------------------
    def updates_delivered(self, bot: "BotRecord | str | int | None" = None) -> dict[int, int]:
        """update_id → how many getUpdates answers carried it (1 everywhere = exactly-once delivery)."""
        return dict(self.bot(bot).queue.deliveries)

    def pending_updates(self, bot: "BotRecord | str | int | None" = None) -> int:
        """Updates queued and not yet confirmed by an offset."""
        return self.bot(bot).queue.pending_count

    # ----- the core request handler -----------------------------------------------------------------
    async def call_api(self, token: str, method: str, params: dict[str, Any]) -> ApiOutcome:
        """Run one Bot API call and build its answer; faults are applied here, for every transport."""
        found = METHODS.get(method.lower())
        name = found[0] if found else method
        bot = self._bots_by_token.get(token)
        if self.record_calls:
            self.calls.append(Call(trio.current_time(), name, describe(params), None if bot is None else bot.id))
        fault = self.faults.take(name)
        if fault is None and self._flooded(name, params):
            self.floods += 1
            fault = Fault(method=name, kind="retry_after", retry_after=1)
        if fault is not None and not fault.after:
            await trio.lowlevel.checkpoint()
            return self._faulted(fault)
        try:
            if bot is None:
                raise ApiError(401, "Unauthorized: invalid token specified")
            if found is None:
                raise ApiError(404, "Not Found: method not found")
            result = await found[1](self, bot, params)
            outcome = ApiOutcome(200, {"ok": True, "result": result})
        except ApiError as e:
            body: dict[str, Any] = {"ok": False, "error_code": e.error_code, "description": e.description}
            if e.parameters:
                body["parameters"] = e.parameters
            outcome = ApiOutcome(e.error_code, body)
        if fault is not None:
            return self._faulted(fault)
        return outcome

    def _flooded(self, name: str, params: dict[str, Any]) -> bool:
        if self.flood_limit is None or name not in FLOOD_COUNTED or params.get("allow_paid_broadcast"):
            return False
        now = trio.current_time()
        # (a hair's tolerance: a sender pacing at exactly the limit must not trip over float rounding)
        while self._sent_times and self._sent_times[0] <= now - 1.0 + 1e-6:
            self._sent_times.popleft()
        if len(self._sent_times) >= self.flood_limit:
            return True
        self._sent_times.append(now)
        return False

    @staticmethod
    def _faulted(fault: Fault) -> ApiOutcome:
        if fault.kind == "retry_after":
            n = fault.retry_after
            return ApiOutcome(
                429,
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {n}",
                    "parameters": {"retry_after": n},
                },
                [("retry-after", str(n))],
            )
        if fault.kind == "server_error":
            status = fault.status
            return ApiOutcome(status, {"ok": False, "error_code": status, "description": REASONS.get(status, "Bad Gateway")})
        if fault.kind == "unauthorized":
            return ApiOutcome(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        if fault.kind == "bad_request":
            return ApiOutcome(400, {"ok": False, "error_code": 400, "description": f"Bad Request: {fault.detail}"})
        return ApiOutcome(0, {}, lost=fault.kind)
