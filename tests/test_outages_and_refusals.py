"""Refusals are not outages: the storage error tree, where the database's own errors land in it, and
what a chat user hears of each.

An outage (the database out of reach, or locked past the store's retries) is answered "try again"; a
refusal no screen handled is a bug: logged with where it was raised, and answered with a plain apology
that does not ask to try again. The refusal is provoked through a screen of the test's own that calls
a real use case which refuses (a second category of one name) without handling it; the dispatcher,
store and emulator are the shop's own.
"""

import asyncio
import importlib
import logging
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal

import asyncpg
import msgspec
import pytest
import trio
from tortoise.transactions import in_transaction

import storage
import storage.errors
from actors.purchases import PurchaseSerializer
from actors.shop import chat_dispatcher
from storage import (
    DatabaseRefused, Duplicate, StorageBusy, StorageConflict, StorageError, StorageOutage, StorageRefusal, StorageUnavailable,
    Store, open_store,
)
from storage.models import Category, StockUnit
from telegram.client import BotClient
from telegram.emulator import Emulator
from telegram.routing import Context, Dispatcher, Router
from telegram.types import Update
from tests.support.chat import press_when_shown
from tests.support.locks import writes_held
from tests.support.shop import TOKEN, open_shop, shop_settings
from tests.support.store import seed_item
from tests.support.waiting import eventually

QUICK = {"sqlite_busy_timeout_ms": 100}
TRY_AGAIN = "try again"
PLAIN_APOLOGY = "Something went wrong on our side, and I could not do that."
ANN = 1001


def storage_errors() -> list[type[StorageError]]:
    """Every subclass of StorageError, wherever in the storage package it is defined."""
    for module in pkgutil.walk_packages(storage.__path__, "storage."):
        importlib.import_module(module.name)
    seen: list[type[StorageError]] = []
    todo: list[type[StorageError]] = [StorageError]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.append(sub)
                todo.append(sub)
    return seen


def test_every_storage_error_is_an_outage_or_a_refusal() -> None:
    assert set(StorageError.__subclasses__()) == {StorageOutage, StorageRefusal}
    errors = storage_errors()
    assert len(errors) > 20
    for error in errors:
        if error not in (StorageOutage, StorageRefusal):
            assert issubclass(error, StorageOutage) != issubclass(error, StorageRefusal), error
    assert all(issubclass(error, StorageOutage) for error in (StorageUnavailable, StorageBusy, StorageConflict))
    assert issubclass(DatabaseRefused, StorageRefusal)


def test_the_module_docstring_draws_the_whole_class_tree() -> None:
    """Each class drawn once, under its base (read from where its branch starts)."""
    lines = (storage.errors.__doc__ or "").splitlines()
    root = next(line for line in lines if line.strip() == "StorageError")
    indent = root.index("StorageError")
    drawn: dict[str, str] = {}
    path = ["StorageError"]
    for line in lines:
        column = max(line.find("├── "), line.find("└── "))
        if column < 0:
            continue
        depth = (column - indent) // 4 + 1
        name = line[column + 4:].split()[0]
        del path[depth:]
        assert name not in drawn, f"{name} is drawn twice"
        drawn[name] = path[-1]
        path.append(name)
    assert drawn == {error.__name__: error.__bases__[0].__name__ for error in storage_errors()}


@asynccontextmanager
async def store_at(database_url: str) -> AsyncIterator[Store]:
    async with open_store(shop_settings(database_url, storage=QUICK).storage) as store:
        yield store


async def _duplicate_row() -> None:
    # Past any use case's own check: the unique key says no, as when another process won a race.
    await Category.create(name="Games")
    await Category.create(name="Games")


async def _no_such_table() -> None:
    async with in_transaction() as conn:
        await conn.execute_query("SELECT * FROM no_such_table")


async def test_a_key_taken_meanwhile_is_a_conflict_and_a_query_the_schema_does_not_fit_is_refused(database_url: str) -> None:
    async with store_at(database_url) as store:
        with pytest.raises(StorageConflict):
            await store.cross(_duplicate_row)
        with pytest.raises(DatabaseRefused):
            await store.cross(_no_such_table)


async def _sleep_in_a_transaction() -> None:
    async with in_transaction() as conn:
        await conn.execute_query("SELECT pg_sleep(5)")


async def pg_admin(database_url: str, sql: str) -> None:
    async def run() -> None:
        connection = await asyncpg.connect(database_url)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    # asyncpg wants an asyncio loop of its own, away from this trio thread.
    await trio.to_thread.run_sync(asyncio.run, run())


@pytest.mark.postgres
async def test_a_connection_lost_mid_transaction_is_an_outage_and_the_next_call_reconnects(postgres_url: str) -> None:
    name = postgres_url.rsplit("/", 1)[1]
    async with store_at(postgres_url) as store, trio.open_nursery() as nursery:

        async def terminate() -> None:
            await trio.sleep(0.5)
            await pg_admin(postgres_url, (
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND query LIKE '%pg_sleep(5)%' AND pid <> pg_backend_pid()"
            ))

        nursery.start_soon(terminate)
        with pytest.raises(StorageUnavailable):
            await store.cross(_sleep_in_a_transaction)
        assert await store.ping()


# A screen of the test's own: each of its handlers calls a real use case that refuses, and handles
# nothing. Module-level, like the shop's screens: a router may be included in one tree only.
refusing = Router(name="refusing")


async def _second_category(ctx: Context) -> None:
    await ctx.shop.store.add_category("Games")
    await ctx.shop.store.add_category("Games")


@refusing.command("twice")
async def twice(ctx: Context, _: str) -> None:
    await _second_category(ctx)


@refusing.any_callback()
async def pressed_twice(ctx: Context) -> None:
    await _second_category(ctx)


@refusing.message_with("successful_payment")
async def paid_twice(ctx: Context, _: object) -> None:
    await _second_category(ctx)


@asynccontextmanager
async def dispatching(database_url: str, router: Router | None = None) -> AsyncIterator[tuple[Emulator, Store, Dispatcher]]:
    """The shop's dispatcher over a real store and the emulator (with the shop's screens, or
    `router`); updates are fetched and fed by `feed_waiting`."""
    emu = Emulator()
    emu.create_bot(token=TOKEN, username="shop_bot", first_name="Shop")
    settings = shop_settings(database_url, storage=QUICK)
    async with open_store(settings.storage) as store, BotClient(settings.telegram, transport=emu.transport()) as bot:
        shops = chat_dispatcher(settings, store, bot, PurchaseSerializer(store))
        yield emu, store, shops if router is None else Dispatcher(router, bot=bot, shop=shops.shop)


async def feed_waiting(dispatcher: Dispatcher) -> None:
    updates = await dispatcher.bot.get_updates(timeout=0)
    if updates:  # confirmed, so that the next call fetches only newer ones
        await dispatcher.bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    for update in updates:
        await dispatcher.feed(update)


async def set_lock_timeout(database_url: str) -> None:
    """On PostgreSQL, make every later connection give up waiting for a lock after 200 ms."""
    if not database_url.startswith("sqlite"):
        await pg_admin(database_url, f'ALTER DATABASE "{database_url.rsplit("/", 1)[1]}" SET lock_timeout = 200')


async def test_an_outage_is_answered_try_again(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    await set_lock_timeout(database_url)
    async with dispatching(database_url) as (emu, store, dispatcher):
        ann = emu.user(ANN, first_name="Ann")
        await ann.send_text("/start")  # /start always writes: it refreshes the stored profile
        async with writes_held(database_url, "users"):
            await feed_waiting(dispatcher)
        [apology] = ann.bot_messages()
        assert TRY_AGAIN in apology["text"] and await store.get_user(ANN) is None
        assert any("register_user" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        await ann.send_text("/start")
        await feed_waiting(dispatcher)
        assert "Welcome" in ann.bot_messages()[-1]["text"]


def refusals_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR and "refusal no screen handled" in r.getMessage()]


async def test_a_refusal_no_screen_handled_is_logged_with_its_traceback_and_not_called_temporary(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with dispatching(database_url, refusing) as (emu, store, dispatcher):
        ann = emu.user(ANN, first_name="Ann")
        await ann.send_text("/twice")
        await feed_waiting(dispatcher)
        [apology] = ann.bot_messages()
        assert PLAIN_APOLOGY in apology["text"] and TRY_AGAIN not in apology["text"]
        [logged] = refusals_logged(caplog)
        assert "Duplicate: category 'Games' already exists" in logged
        # Where it was raised, from the screen down to the use case.
        assert "Traceback (most recent call last)" in logged
        assert "in twice" in logged and "in add_category" in logged

        # A press gets the same apology as an alert.
        await ann.press_data("anything")
        await feed_waiting(dispatcher)
        [answer] = ann.callback_answers
        assert answer["show_alert"] and PLAIN_APOLOGY in answer["text"] and TRY_AGAIN not in answer["text"]
        assert len(refusals_logged(caplog)) == 2
        assert [c.name for c in await store.list_categories()] == ["Games"]


async def test_a_refusal_met_by_a_payment_report_keeps_the_update_for_another_try(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The money was taken: the report is not answered, and the refusal goes up to the lanes, which
    keep the update in the inbox and hand it in again (see actors.lanes), like after an outage."""
    caplog.set_level(logging.WARNING)
    async with dispatching(sqlite_url, refusing) as (emu, _, dispatcher):
        ann = emu.user(ANN, first_name="Ann")
        report = msgspec.convert({
            "update_id": 1,
            "message": {
                "message_id": 1, "date": 1, "chat": {"id": ANN, "type": "private"}, "from": ann.as_user(),
                "successful_payment": {
                    "currency": "XTR", "total_amount": 10, "invoice_payload": "order",
                    "telegram_payment_charge_id": "charge", "provider_payment_charge_id": "",
                },
            },
        }, Update)
        with pytest.raises(Duplicate):
            await dispatcher.feed(report)
        assert ann.bot_messages() == []
        assert len(refusals_logged(caplog)) == 1


async def _unseal_every_unit() -> None:
    # Stock as another key (or a hand in the database) left it: the stock key opens none of it.
    await StockUnit.all().update(content="not sealed by this key")


async def test_a_purchase_the_store_refuses_reaches_the_buyer_as_a_bug_not_as_try_again(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The purchase serializer hands the buyer's screen the store's refusal itself (here SealBroken),
    not PurchaseUnavailable, which would ask them to try again."""
    caplog.set_level(logging.WARNING)
    async with open_shop(database_url) as shop:
        await seed_item(shop.store, units=["K1", "K2", "K3"])
        await shop.store.cross(_unseal_every_unit)
        ann = shop.emu.user(ANN, first_name="Ann")
        await ann.send_text("/start")
        await ann.wait_for_text("Welcome")
        await shop.store.credit_user(ANN, Decimal("100.00"))
        for label in ("🛍 Shop", "Games (1)", "Space <Game> & Co · 10.00 USD", "Buy", "1", "✅ Confirm"):
            await press_when_shown(ann, label)
        await eventually(lambda: PLAIN_APOLOGY in (ann.callback_answers[-1].get("text") or ""), what="the apology")
        assert ann.callback_answers[-1]["show_alert"] and TRY_AGAIN not in ann.callback_answers[-1]["text"]
        [logged] = refusals_logged(caplog)
        assert "SealBroken" in logged and "Traceback (most recent call last)" in logged
        assert (await shop.store.get_user(ANN)).balance == Decimal("100.00")
