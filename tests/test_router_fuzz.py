"""Random updates never break the router and never move money without a purchase.

Hypothesis drives the real Dispatcher (every screen, a real SQLite store, the purchase serializer, the
Bot API client talking to the in-process emulator) with random text (any unicode, up to 5000
characters), every registered command with random arguments, /start with random payloads (referral
ids among them), and button presses carrying random data, valid packed data of every registered
CallbackData type with extreme field values, and the real buttons of older messages (stale ones).

Each update is taken from the emulator with getUpdates, as the poller does, and given to
`Dispatcher.feed` directly. After every example: no update raised or hung, nothing was logged at ERROR,
and for the example's buyers the ledger matches the balances, every debit is a purchase of that buyer
for its total, and each balance is the opening one minus their purchases plus credits.

Hypothesis runs its examples in a worker thread; each one calls back into the trio run that owns the
shop (`trio.from_thread.run`), so the store and its asyncio bridge are opened once for all examples.
Each example gets three new buyers (the second invited by the first, whose top-up pays the first a
referral reward, so credits are in the sum too) and fresh stock, so it replays alike when Hypothesis
shrinks it; the catalog and older buyers carry over.
"""

import dataclasses
import enum
import logging
import sqlite3
import types
import typing
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import pytest
import trio
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from actors.purchases import PurchaseSerializer
from actors.shop import chat_dispatcher
from actors.supervisor import ActorStatus, supervise
from storage import ReferralTerms, Store, open_store
from telegram.callback_data import MAX_BYTES, CallbackData
from telegram.client import BotClient
from telegram.emulator import Emulator, EmulatedUser
from telegram.payments import PaymentDesk
from telegram.routing import Dispatcher, Router
from telegram.screens import RECEIPTS
from telegram.screens.user.callbacks import ConfirmPurchase
from tests.support.shop import TOKEN, shop_settings

# Each example's three buyers: language and opening balance. Languages: English, Russian, and one the
# shop does not speak (the default language answers). None of them is the owner.
BUYERS = (("en", Decimal("50.00")), ("ru", Decimal("3.00")), ("de", Decimal("0.00")))
FIRST_BUYER = 1001
OPENING = "fuzz opening balance"
PRICE = Decimal("1.00")
# Not limits of the shop: the flood control would otherwise pace ~700 replies in real seconds.
FAST_SENDING = {"global_rate": 1_000_000.0, "chat_rate": 1_000_000.0, "chat_burst": 1_000_000}
EXAMPLES = 150
# The run behind the required-channel gate: the first buyer of each example is a member, the second
# left, the third was never in the channel.
CHANNEL = "@shop_news"
GATED_EXAMPLES = 50
# An update takes milliseconds here; one still running after this is stuck (it fails the example).
HANG_SECONDS = 5.0
BIG_INTS = [0, -1, 2**31, 2**53 + 1, 2**63 - 1, -(2**63), 2**63, 10**19, -(10**19)]


@dataclasses.dataclass(frozen=True)
class SendText:
    buyer: int  # index into BUYERS
    text: str


@dataclasses.dataclass(frozen=True)
class PressData:
    buyer: int
    data: str


@dataclasses.dataclass(frozen=True)
class PressButton:
    """A real button of one of the buyer's recent bot messages: `back` 0 is the newest."""

    buyer: int
    back: int
    button: int


type Action = SendText | PressData | PressButton


@dataclasses.dataclass
class Harness:
    emu: Emulator
    bot: BotClient
    store: Store
    dispatcher: Dispatcher
    database: str
    item_ids: list[int]
    category_ids: list[int]
    # Every buyer so far with their opening balance, and the ledger entries that gave it to them.
    opening: dict[int, Decimal] = dataclasses.field(default_factory=dict)
    opening_entries: set[int] = dataclasses.field(default_factory=set)
    buyers: list[int] = dataclasses.field(default_factory=list)
    channel: str = ""
    referral: ReferralTerms | None = None
    offset: int = 0

    async def new_buyers(self) -> None:
        """Three buyers who have just sent /start (the second through the first's referral link) and
        hold their opening balance (a top-up); the cheap items get more stock."""
        first = FIRST_BUYER + len(self.opening)
        self.buyers = [first, first + 1, first + 2]
        if self.channel:
            self.emu.set_chat_member(self.channel, first, "member")
            self.emu.set_chat_member(self.channel, first + 1, "left")
        for index, user_id in enumerate(self.buyers):
            await self.play([SendText(index, f"/start {first}" if index == 1 else "/start")])
            balance = BUYERS[index][1]
            self.opening[user_id] = balance
            if balance:
                await self.store.credit_user(user_id, balance, kind="topup", reason=OPENING, referral=self.referral)
        await self.store.add_stock("Starfall", [f"STAR-{first}-{i}" for i in range(3)])
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True) as db:
            self.opening_entries.update(
                entry_id
                for (entry_id,) in db.execute("SELECT id FROM ledger_entries WHERE reason = ?", (OPENING,))
            )

    def user(self, buyer: int) -> EmulatedUser:
        user_id = self.buyers[buyer]
        return self.emu.user(user_id, first_name=f"Buyer{user_id}", language_code=BUYERS[buyer][0])

    async def play(self, actions: list[Action]) -> None:
        """Queue each action's update in the emulator, fetch it like the poller, feed it to the dispatcher."""
        for action in actions:
            if not await self._queue(action):
                continue
            for update in await self.bot.get_updates(offset=self.offset, timeout=0):
                self.offset = update.update_id + 1
                try:
                    with trio.fail_after(HANG_SECONDS):
                        await self.dispatcher.feed(update)
                except Exception as error:
                    error.add_note(f"while handling {action!r:.300}")
                    raise

    async def _queue(self, action: Action) -> bool:
        user = self.user(action.buyer)
        match action:
            case SendText(text=text):
                await user.send_text(text)
            case PressData(data=data):
                await user.press_data(data)
            case PressButton(back=back, button=button):
                pressable = [
                    (message["message_id"], data)
                    for message in reversed(user.bot_messages()[-30:])
                    for data in _callback_data(message)
                ]
                if not pressable:
                    return False
                newest_first = sorted({m for m, _ in pressable}, reverse=True)
                message_id = newest_first[back % len(newest_first)]
                on_message = [data for m, data in pressable if m == message_id]
                await user.press_data(on_message[button % len(on_message)], message_id)
        return True

    def purchases(self) -> int:
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True) as db:
            return db.execute("SELECT COUNT(*) FROM purchases").fetchone()[0]

    async def money_problems(self) -> list[str]:
        """For this example's buyers: balances that differ from their ledger, debits that are not their
        purchases, and balances that are not opening − purchases + credits. (Older buyers are not
        looked at, so a failure stays with the example that caused it and replays alike.)"""
        problems = [f"ledger: {m}" for m in await self.store.check_ledger() if m.user_id in self.buyers]
        marks = ",".join("?" * len(self.buyers))
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True) as db:
            balances = dict(db.execute(f"SELECT id, balance FROM users WHERE id IN ({marks})", self.buyers))
            bought = db.execute(f"SELECT id, user_id, total FROM purchases WHERE user_id IN ({marks})", self.buyers)
            purchases = {str(pid): (uid, Decimal(str(total))) for pid, uid, total in bought}
            entries = db.execute(
                f"SELECT id, user_id, amount, kind, purchase_id FROM ledger_entries WHERE user_id IN ({marks})", self.buyers
            ).fetchall()
        credits = dict.fromkeys(self.buyers, Decimal(0))
        for entry_id, uid, raw_amount, kind, purchase_id in entries:
            amount = Decimal(str(raw_amount))
            if entry_id in self.opening_entries:
                continue
            if amount > 0:
                credits[uid] += amount
            elif amount < 0 and (kind != "purchase" or purchases.get(str(purchase_id)) != (uid, -amount)):
                problems.append(f"ledger entry {entry_id}: {amount} for user {uid} ({kind}) is not one of their purchases")
        for uid in self.buyers:
            spent = sum((total for buyer, total in purchases.values() if buyer == uid), Decimal(0))
            expected = self.opening[uid] - spent + credits[uid]
            if Decimal(str(balances.get(uid))) != expected:
                problems.append(
                    f"user {uid}: balance {balances.get(uid)}, expected {expected} (spent {spent}, credits {credits[uid]})"
                )
        return problems


def _callback_data(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row if "callback_data" in button]


@asynccontextmanager
async def open_harness(database_url: str, channel: str = "") -> AsyncIterator[Harness]:
    """The screens wired as `actors.shop.run_shop` wires them, minus the poller, web server and health;
    with `channel`, buyers must have joined it."""
    emu = Emulator(record_calls=False)
    emu.create_bot(token=TOKEN, username="shop_bot", first_name="Shop")
    config = shop_settings(database_url, shop={"required_channel": channel, "referral_percent": "10"}, **FAST_SENDING)
    async with (
        open_store(config.storage) as store,
        BotClient(config.telegram, transport=emu.transport()) as bot,
        trio.open_nursery() as nursery,
    ):
        serializer = PurchaseSerializer(store)
        # Supervised as in the shop: a crash is logged at ERROR (failing the example) and restarted.
        await nursery.start(supervise, "purchases", serializer.run, ActorStatus())
        yield Harness(
            emu=emu,
            bot=bot,
            store=store,
            dispatcher=chat_dispatcher(
                config, store, bot, serializer, PaymentDesk(store, bot, config.shop, config.payments, receipts=RECEIPTS)
            ),
            database=database_url.removeprefix("sqlite://"),
            channel=channel,
            referral=config.shop.referral_terms(),
            **await _seed_catalog(store),
        )
        nursery.cancel_scope.cancel()


async def _seed_catalog(store: Store) -> dict[str, list[int]]:
    """Two categories: cheap items with a little stock, one too dear for anyone, one sold out."""
    await store.add_category("Games")
    await store.add_category("Software")
    await store.add_item("Games", "Starfall", PRICE, "A <b>space</b> game & more")
    await store.add_stock("Starfall", [f"STAR-{i}" for i in range(5)])
    await store.add_item("Games", "Moonrise", PRICE, "")
    await store.add_stock("Moonrise", ["MOON-1"])
    await store.add_item("Software", "Editor Pro", Decimal("1000.00"), "Too dear")
    await store.add_stock("Editor Pro", ["PRO-1"])
    await store.add_item("Software", "Gone", PRICE, "Sold out")
    categories = await store.list_categories()
    items = [item for category in categories for item in await store.list_items(category.id)]
    return {"item_ids": [item.id for item in items], "category_ids": [c.id for c in categories]}


# ----- strategies ------------------------------------------------------------------------------------------


def registered_commands(router: Router) -> set[str]:
    """The names every `@router.command(...)` in the tree answers to."""
    return {name for declared in router.routes() if declared.route.kind == "command" for name in declared.route.trigger}


def shop_callback_types() -> list[type[CallbackData]]:
    """Every registered CallbackData type of the shop (test modules register theirs in the same registry)."""
    return [cls for _, cls in sorted(CallbackData._registry.items()) if cls.__module__.startswith("telegram.")]


def _optional_base(hint: Any) -> Any:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return next(a for a in typing.get_args(hint) if a is not type(None))
    return hint


def _ordinary(hint: Any) -> Any:
    """An unremarkable value of a non-int field, for the sweep of extreme ints."""
    base = _optional_base(hint)
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return next(iter(base))
    return {bool: False, str: "0" * 32, Decimal: PRICE}[base]


def extreme_presses(unknown_id: int) -> list[str]:
    """Each type with int fields, packed with every int field at each extreme (beyond 64 bits too):
    an explicit example, so these presses are tried on every run, not only when the dice say so."""
    presses = []
    for cls in shop_callback_types():
        hints = typing.get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        if not any(_optional_base(hints[name]) is int for name in names):
            continue
        for value in (2**63, -(2**63) - 1, 2**63 - 1, -1, 0, unknown_id):
            fields = {name: value if _optional_base(hints[name]) is int else _ordinary(hints[name]) for name in names}
            try:
                presses.append(cls(**fields).pack())
            except ValueError:  # over 64 bytes
                continue
    return presses


def field_values(hint: Any, ids: list[int]) -> st.SearchStrategy[Any]:
    """Values for one CallbackData field: real ids, unknown and extreme ones, random text and UUIDs."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return st.none() | st.one_of([field_values(a, ids) for a in inner])
    if hint is bool:
        return st.booleans()
    if hint is int:
        return st.sampled_from(ids + BIG_INTS) | st.integers(min_value=-(10**20), max_value=10**20)
    if hint is str:
        return st.uuids().map(lambda u: u.hex) | st.text(max_size=40).map(lambda s: s.replace(":", ""))
    if hint is Decimal:
        return st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return st.sampled_from(list(hint))
    raise AssertionError(f"no strategy for callback data field type {hint!r}: add one")


def packed(cls: type[CallbackData], ids: list[int]) -> st.SearchStrategy[str]:
    hints = typing.get_type_hints(cls)
    fields = {f.name: field_values(hints[f.name], ids) for f in dataclasses.fields(cls)}  # type: ignore[arg-type]

    def pack(value: CallbackData) -> str | None:
        try:
            return value.pack()
        except ValueError:  # over 64 bytes: no button can carry it
            return None

    return st.builds(cls, **fields).map(pack).filter(lambda data: data is not None)  # type: ignore[return-value]


def real_orders(item_ids: list[int]) -> st.SearchStrategy[str]:
    """Confirm presses a buyer could really send (any item, 1 or 2 units, the price they were shown),
    so that purchases happen and the money property has something to check."""
    fields = [f.name for f in dataclasses.fields(ConfirmPurchase)]  # type: ignore[arg-type]
    unknown = set(fields) - {"item_id", "quantity", "total", "order"}
    assert not unknown, f"ConfirmPurchase has new fields {unknown}: give them real values here"

    def order(item_id: int, quantity: int, token: str) -> str:
        values = {"item_id": item_id, "quantity": quantity, "total": PRICE * quantity, "order": token}
        return ConfirmPurchase(**{name: values[name] for name in fields}).pack()

    return st.builds(order, st.sampled_from(item_ids), st.integers(1, 2), st.uuids().map(lambda u: u.hex[:12]))


def fits(data: str) -> bool:
    return 1 <= len(data.encode()) <= MAX_BYTES


def actions(harness: Harness) -> st.SearchStrategy[Action]:
    buyers = st.integers(0, len(BUYERS) - 1)
    commands = sorted(registered_commands(harness.dispatcher.router))
    types_ = shop_callback_types()
    ids = harness.item_ids + harness.category_ids + [max(harness.item_ids) + 1]
    payloads = st.sampled_from([str(FIRST_BUYER), "0", "-5", "99999999999999999999"]) | st.text(max_size=64)
    texts = st.one_of(
        st.text(min_size=1, max_size=300),
        st.text(min_size=1, max_size=20).map(lambda s: (s * 5000)[:5000]),
        st.builds(
            lambda name, bot, args: f"/{name}{bot} {args}".rstrip(),
            st.sampled_from(commands),
            st.sampled_from(["", "@shop_bot", "@other_bot"]),
            st.text(max_size=100),
        ),
        payloads.map(lambda p: f"/start {p}"),
    )
    prefixes = st.sampled_from([t.__prefix__ for t in types_])
    data = st.one_of(
        st.text(min_size=1, max_size=MAX_BYTES).filter(fits),
        st.builds(lambda prefix, tail: f"{prefix}:{tail}", prefixes, st.text(max_size=30)).filter(fits),
        st.one_of([packed(cls, ids) for cls in types_]),
    )
    return st.one_of(
        st.builds(SendText, buyers, texts),
        st.builds(PressData, buyers, data),
        st.builds(PressData, buyers, real_orders(harness.item_ids)),
        st.builds(PressButton, buyers, st.integers(0, 10), st.integers(0, 10)),
    )


def _described(record: logging.LogRecord) -> str:
    error = record.exc_info[1] if record.exc_info else None
    return f"{record.name}: {record.getMessage()}" + (f" ({type(error).__name__}: {error})" if error else "")


# ----- the property ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["", CHANNEL], ids=["open", "channel_gate"])
async def test_random_updates_never_break_the_router(
    sqlite_url: str, channel: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)  # warnings (a refused edit, a too-long promo code) are expected
    async with open_harness(sqlite_url, channel) as harness:
        assert "start" in registered_commands(harness.dispatcher.router)

        @settings(
            max_examples=GATED_EXAMPLES if channel else EXAMPLES,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            report_multiple_bugs=False,
        )
        @given(st.lists(actions(harness), min_size=1, max_size=8))
        @example([PressData(0, data) for data in extreme_presses(max(harness.item_ids) + 1)])
        def run_example(steps: list[Action]) -> None:
            seen = len(caplog.records)
            trio.from_thread.run(harness.new_buyers)
            trio.from_thread.run(harness.play, steps)
            errors = [_described(r) for r in caplog.records[seen:] if r.levelno >= logging.ERROR]
            assert errors == [], "handling logged errors:\n" + "\n".join(errors)
            problems = trio.from_thread.run(harness.money_problems)
            assert problems == [], "money moved without a purchase:\n" + "\n".join(problems)

        await trio.to_thread.run_sync(run_example)
        assert harness.purchases() > 0, "no example bought anything: the money property was not exercised"
