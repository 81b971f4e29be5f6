"""Caches across processes (storage.invalidation): two shop processes' stores on one PostgreSQL and one
Redis. What one changes (a user blocked, maintenance, the catalog) the other's chat shows at once,
not when its cache's time runs out."""

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import pytest
import trio

from actors.purchases import PurchaseSerializer
from actors.shop import chat_dispatcher
from storage import StorageUnavailable, Store, open_store
from telegram.client import BotClient
from telegram.emulator import Emulator
from tests.support.servers import REDIS_URL, missing_service
from tests.support.shop import TOKEN, shop_settings

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

MENU = "Choose what you need below."
BLOCKED = "⛔ You are blocked in this shop."
MAINTENANCE = "🛠 The shop is closed for maintenance for a short while. Please come back soon."

type Handle = Callable[[], Awaitable[None]]


@asynccontextmanager
async def two_processes(database_url: str) -> AsyncIterator[tuple[Emulator, Store, Store, Handle]]:
    """The staff's process (its store) and a buyer-facing process: its store, listening for changes
    as `shopkeeper run` does, and `handle()`, which feeds its screens what is waiting. Caches last a
    minute, so only the invalidation can explain a change seen within a second."""
    emu = Emulator()
    emu.create_bot(token=TOKEN, username="shop_bot", first_name="Shop")
    settings = shop_settings(database_url, storage={"redis_url": REDIS_URL, "catalog_cache_seconds": 60})
    try:
        async with (
            open_store(settings.storage) as staff,
            open_store(settings.storage) as store,
            BotClient(settings.telegram, transport=emu.transport()) as bot,
            trio.open_nursery() as nursery,
        ):
            dispatcher = chat_dispatcher(settings, store, bot, PurchaseSerializer(store))
            await nursery.start(store.watch_changes)
            offset = 0

            async def handle() -> None:
                nonlocal offset
                for update in await bot.get_updates(offset=offset, timeout=0):
                    offset = update.update_id + 1
                    await dispatcher.feed(update)

            yield emu, staff, store, handle
            nursery.cancel_scope.cancel()
    except StorageUnavailable as error:
        missing_service(f"Redis at {REDIS_URL}", error)


def last_text(messages: list[dict[str, Any]]) -> str:
    return messages[-1]["text"]


async def test_a_user_blocked_and_maintenance_in_one_process_show_in_the_other_at_once(postgres_url: str) -> None:
    async with two_processes(postgres_url) as (emu, staff, _store, handle):
        # Redis outlives the test (a blocked user is told once a day, marked there): a fresh user each run.
        ann = emu.user(random.randrange(10**6, 10**9), "Ann")

        async def menu() -> str:
            await ann.send_text("/menu")
            await handle()
            return last_text(ann.bot_messages())

        assert (await menu()).endswith(MENU)  # her record (and the switches) now cached
        await staff.set_maintenance(True, actor_id=None)
        await trio.sleep(0.5)
        assert await menu() == MAINTENANCE
        await staff.set_maintenance(False, actor_id=None)
        await trio.sleep(0.5)
        assert (await menu()).endswith(MENU)
        await staff.set_blocked(ann.id, True, actor_id=None)
        await trio.sleep(0.5)
        assert await menu() == BLOCKED


async def test_a_new_item_in_one_process_is_on_the_other_ones_shelf_at_once(postgres_url: str) -> None:
    async with two_processes(postgres_url) as (_emu, staff, store, _handle):
        await staff.add_category("Games")
        await staff.add_item("Games", "Quest", Decimal("2.00"))
        await trio.sleep(0.5)
        [games] = await store.list_categories()
        before = await store.category_page(games.id, 1)
        await staff.add_item("Games", "Starfall", Decimal("3.00"))
        await trio.sleep(0.5)
        after = await store.category_page(games.id, 1)
        assert before is not None and after is not None
        assert (before.entries.total, after.entries.total) == (1, 2)
