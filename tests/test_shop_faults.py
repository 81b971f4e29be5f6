"""The shop survives a misbehaving Bot API: 429s are obeyed, 5xx bursts and dropped polls lose nothing."""

import logging
from functools import partial

import pytest
import trio

from actors.shop import run_shop
from telegram.emulator import Emulator, Fault
from tests.support.shop import TOKEN, open_shop, shop_settings
from tests.support.waiting import eventually, until_idle


def sends(emu: Emulator) -> list[float]:
    return [at for at, method, _ in emu.calls if method == "sendMessage"]


async def test_retry_after_is_obeyed_not_early(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        shop.emu.faults.inject(Fault(method="sendMessage", kind="retry_after", retry_after=2))
        ann = shop.emu.user(1001, first_name="Ann")
        await ann.send_text("/start")
        await ann.wait_for_text("Welcome", timeout=10)
        first, second = sends(shop.emu)
        assert second - first >= 2.0, "the retry came before retry_after had passed"
        assert len(ann.bot_messages()) == 1


async def test_5xx_bursts_and_dropped_polls_lose_nothing_and_repeat_nothing(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        emu = shop.emu
        users = [emu.user(2000 + n, first_name=f"U{n}") for n in range(5)]
        # A poll whose answer is lost after the server sent it, a dropped connection, a 5xx burst.
        emu.faults.inject(Fault(method="getUpdates", kind="drop", after=True))
        emu.faults.inject(Fault(method="getUpdates", kind="drop"))
        emu.faults.inject(Fault(method="getUpdates", kind="server_error", status=500, times=2))
        emu.faults.inject(Fault(method="sendMessage", kind="server_error", status=502, times=3))
        for round_ in range(3):
            for user in users:
                await user.send_text(f"/unknown{round_}")
        await eventually(lambda: all(len(u.bot_messages()) == 3 for u in users), timeout=30, what="every reply")
        await until_idle(shop)
        assert [len(u.bot_messages()) for u in users] == [3] * 5, "an update was handled twice"
        assert not emu.faults.pending, "every injected fault was hit"


async def test_a_crash_mid_update_loses_it_not(sqlite_url: str) -> None:
    """An update in hand at a crash is handled after the restart, once."""
    emu = Emulator()
    emu.create_bot(token=TOKEN, username="shop_bot")
    ann = emu.user(1001, first_name="Ann")
    # The first reply hangs (no answer until the client's timeout): the update is in hand at the crash.
    emu.faults.inject(Fault(method="sendMessage", kind="timeout"))
    settings = shop_settings(sqlite_url)
    async with trio.open_nursery() as crash_site:
        await crash_site.start(partial(run_shop, settings, transport=emu.transport(), handle_signals=False))
        await ann.send_text("/start")
        await eventually(lambda: bool(sends(emu)), what="the hanging reply")
        crash_site.cancel_scope.cancel()  # no graceful stop: as if the process died
    assert ann.bot_messages() == []
    # Telegram was told the update arrived (the next poll confirmed it); it waits in the inbox.
    assert emu.pending_updates() == 0

    async with open_shop(sqlite_url, emu) as shop:
        await ann.wait_for_text("Welcome", timeout=10)
        await until_idle(shop)
        assert await shop.store.unhandled_updates() == [], "the replayed update left the inbox once handled"
    assert len(ann.bot_messages()) == 1
    assert emu.pending_updates() == 0


async def test_a_failed_final_confirmation_stops_the_shop_cleanly(sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """Telegram unreachable at shutdown: the shop stops without an error and, at its next start, answers
    nothing twice (the handled update left the inbox before the confirmation was tried)."""
    caplog.set_level(logging.WARNING)
    emu = Emulator()
    emu.create_bot(token=TOKEN, username="shop_bot")
    ann = emu.user(1001, first_name="Ann")
    async with open_shop(sqlite_url, emu, max_retries=0):
        await ann.send_text("/start")
        await ann.wait_for_text("Welcome", timeout=10)
        emu.faults.inject(Fault(method="getUpdates", kind="drop", times=1_000))
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    emu.faults.clear()
    async with open_shop(sqlite_url, emu) as shop:
        await until_idle(shop)
        assert await shop.store.unhandled_updates() == []
    assert len(ann.bot_messages()) == 1


async def test_a_poller_crash_with_updates_in_hand_loses_none(sqlite_url: str) -> None:
    """The supervisor restarts a crashed poller (here: Telegram refused the token once); the update it
    had in hand is handled after the restart, once, and later updates are answered as usual."""
    async with open_shop(sqlite_url) as shop:
        emu = shop.emu
        ann, bob = emu.user(1001, first_name="Ann"), emu.user(1002, first_name="Bob")
        emu.faults.inject(Fault(method="sendMessage", kind="timeout"))  # Ann's answer hangs: in hand
        await ann.send_text("/start")
        await eventually(lambda: bool(sends(emu)), what="Ann's hanging answer")
        emu.faults.inject(Fault(method="getUpdates", kind="unauthorized"))
        await bob.send_text("/start")  # ends the long poll; the next one is refused
        await ann.wait_for_text("Welcome", timeout=10)
        await bob.wait_for_text("Welcome", timeout=10)
        carl = emu.user(1003, first_name="Carl")
        await carl.send_text("/start")
        await carl.wait_for_text("Welcome", timeout=10)
        await until_idle(shop)
        assert not emu.faults.pending
        assert [len(u.bot_messages()) for u in (ann, bob, carl)] == [1, 1, 1]
        assert await shop.store.unhandled_updates() == []
