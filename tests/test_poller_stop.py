"""A stop before Telegram's first answer to getUpdates (right after the start, or while the Bot API
cannot be reached) is a clean stop: no crash logged or told in the feed, and the shop stops at once
instead of restarting the poller until the graceful timeout."""

import logging

import pytest
import trio

from storage import ShopEventKind, StorageSettings, open_store
from telegram.emulator import Emulator, Fault
from tests.support.shop import TOKEN, open_shop


async def test_a_stop_before_the_first_answer_is_a_clean_stop(sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    emu = Emulator()
    emu.create_bot(token=TOKEN, username="shop_bot", first_name="Shop")
    # getUpdates gets no answer: the poller is still waiting for its first when the stop comes.
    emu.faults.inject(Fault(method="getUpdates", kind="timeout", times=10_000))
    with caplog.at_level(logging.INFO):
        async with open_shop(sqlite_url, emu) as shop:
            start = await shop.store.latest_shop_event_id()
            await trio.sleep(0.2)
            stopping = trio.current_time()
        stopped = trio.current_time()
    assert stopped - stopping < 3, "the stop waited for the graceful timeout"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    async with open_store(StorageSettings(database_url=sqlite_url)) as store:
        assert not [row for row in await store.shop_events_after(start) if row.kind == ShopEventKind.CRASH]
