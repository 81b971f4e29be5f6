"""The wait that "nothing handled twice" checks rely on: `until_idle` returns only once the shop has no
update in hand, so what users see after it is final."""

import pytest

from telegram.emulator import Fault
from tests.support.shop import open_shop
from tests.support.waiting import eventually, until_idle


async def test_until_idle_waits_for_an_answer_in_hand(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, request_timeout=2.0) as shop:
        ann = shop.emu.user(1001, first_name="Ann")
        await until_idle(shop)
        # Ann's answer hangs until the client's 2 s timeout, then is sent again: her update is in hand meanwhile.
        shop.emu.faults.inject(Fault(method="sendMessage", kind="timeout"))
        await ann.send_text("/start")
        await eventually(lambda: not shop.emu.faults.pending, what="the hanging answer")
        assert not shop.running.updates_idle()
        with pytest.raises(AssertionError, match="not idle"):
            await until_idle(shop, timeout=0.5)
        await until_idle(shop)
        assert shop.running.updates_idle()
        assert [m["text"].startswith("Welcome") for m in ann.bot_messages()] == [True]
        assert await shop.store.unhandled_updates() == []
