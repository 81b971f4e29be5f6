"""Routing's caches keep time on trio's clock: what another process changed (a user blocked, the shop
closed for maintenance) reaches the chat once the cached answer expires, and the channel gate asks
again once a membership answer has had its time. MockClock moves that time here; nothing waits."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import trio
import trio.testing

from actors.purchases import PurchaseSerializer
from actors.shop import chat_dispatcher
from storage import Store, open_store
from telegram.client import BotClient
from telegram.emulator import Emulator
from telegram.routing.gate import FAILED_SECONDS, MEMBER_SECONDS, NON_MEMBER_SECONDS
from telegram.routing.shop import SWITCHES_SECONDS, USER_CACHE_SECONDS
from tests.support.shop import TOKEN, shop_settings

MENU = "Choose what you need below."
BLOCKED = "⛔ You are blocked in this shop."
MAINTENANCE = "🛠 The shop is closed for maintenance for a short while. Please come back soon."
JOIN = "please join our channel first"
CHANNEL = {"required_channel": "@shop_news"}

type Handle = Callable[[], Awaitable[None]]


@asynccontextmanager
async def dispatching(database_url: str, **shop: Any) -> AsyncIterator[tuple[Emulator, Store, Handle]]:
    """The screens as one shop process meets updates, and `handle()`: feed it what is waiting."""
    emu = Emulator()
    emu.create_bot(token=TOKEN, username="shop_bot", first_name="Shop")
    settings = shop_settings(database_url, shop=shop)
    async with open_store(settings.storage) as store, BotClient(settings.telegram, transport=emu.transport()) as bot:
        dispatcher = chat_dispatcher(settings, store, bot, PurchaseSerializer(store))
        offset = 0

        async def handle() -> None:
            nonlocal offset
            for update in await bot.get_updates(offset=offset, timeout=0):
                offset = update.update_id + 1
                await dispatcher.feed(update)

        yield emu, store, handle


def last_text(messages: list[dict[str, Any]]) -> str:
    return messages[-1]["text"]


async def test_a_user_blocked_by_another_process_is_refused_once_their_cached_record_expires(
    sqlite_url: str, autojump_clock: trio.testing.MockClock
) -> None:
    async with dispatching(sqlite_url) as (emu, store, handle):
        ann = emu.user(1001, "Ann")
        await ann.send_text("/menu")
        await handle()
        assert last_text(ann.bot_messages()).endswith(MENU)
        # Another process (a second shop process, the web admin) blocks her: this one's cache is not told.
        await store.set_blocked(1001, True, actor_id=None)
        await trio.sleep(USER_CACHE_SECONDS)
        await ann.send_text("/menu")
        await handle()
        assert last_text(ann.bot_messages()) == BLOCKED


async def test_maintenance_turned_on_by_another_process_reaches_buyers_once_the_switches_expire(
    sqlite_url: str, autojump_clock: trio.testing.MockClock
) -> None:
    async with dispatching(sqlite_url) as (emu, store, handle):
        ann = emu.user(1001, "Ann")
        await ann.send_text("/menu")
        await handle()
        assert last_text(ann.bot_messages()).endswith(MENU)
        await store.set_maintenance(True, actor_id=None)
        await trio.sleep(SWITCHES_SECONDS)
        await ann.send_text("/menu")
        await handle()
        assert last_text(ann.bot_messages()) == MAINTENANCE
        await store.set_maintenance(False, actor_id=None)
        await trio.sleep(SWITCHES_SECONDS)
        await ann.send_text("/menu")
        await handle()
        assert last_text(ann.bot_messages()).endswith(MENU)


def member_checks(emu: Emulator) -> int:
    return sum(1 for _, method, _ in emu.calls if method == "getChatMember")


async def test_the_gate_asks_again_once_a_membership_answer_has_had_its_time(
    sqlite_url: str, autojump_clock: trio.testing.MockClock
) -> None:
    async with dispatching(sqlite_url, **CHANNEL) as (emu, _store, handle):
        ann = emu.user(1001, "Ann")

        async def menu() -> str:
            await ann.send_text("/menu")
            await handle()
            return last_text(ann.bot_messages())

        # Not in the channel: told the way in; joining shows within NON_MEMBER_SECONDS, unasked.
        emu.set_chat_member("@shop_news", ann.id, "left")
        assert JOIN in await menu()
        emu.set_chat_member("@shop_news", ann.id, "member")
        await trio.sleep(NON_MEMBER_SECONDS)
        assert (await menu()).endswith(MENU)
        # A member is remembered for MEMBER_SECONDS; after that, leaving shows.
        emu.set_chat_member("@shop_news", ann.id, "left")
        await trio.sleep(MEMBER_SECONDS)
        assert JOIN in await menu()
        assert member_checks(emu) == 3

        # Telegram cannot answer: everyone passes for FAILED_SECONDS, then the gate asks again.
        emu.channel("@shop_news").bot_is_admin = False
        await trio.sleep(NON_MEMBER_SECONDS)
        assert (await menu()).endswith(MENU)
        emu.channel("@shop_news").bot_is_admin = True
        await trio.sleep(FAILED_SECONDS)
        assert JOIN in await menu()
        assert member_checks(emu) == 5
