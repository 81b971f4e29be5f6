"""Flood control in virtual time: per-chat and global rates, fairness, the shared 429 pause."""

import pytest
import trio

from telegram.client import BotClient, PacedRate, TokenBucket
from telegram.config import TelegramSettings
from telegram.emulator import EmulatedUser, Emulator, Fault

from .conftest import TOKEN, call_times, max_per_window

async def _started_users(emu: Emulator, ids: range) -> list[EmulatedUser]:
    users = [emu.user(i) for i in ids]
    for user in users:
        await user.send_text("/start")
    return users


async def test_one_chat_never_exceeds_its_rate(bot: BotClient, emu: Emulator, settings: TelegramSettings, autojump_clock: trio.abc.Clock) -> None:
    (user,) = await _started_users(emu, range(1001, 1002))
    async with trio.open_nursery() as nursery:
        for i in range(100):
            nursery.start_soon(bot.send_message, 1001, f"m{i}")
    times = call_times(emu, "sendMessage")
    assert len(times) == 100 and len(user.bot_messages()) == 100
    assert max_per_window(times) <= settings.chat_burst + settings.chat_rate
    # The burst is usable, and the rest flows at chat_rate: ~97 s for 100 messages.
    assert times[settings.chat_burst - 1] - times[0] < 0.5  # (spaced only by the global rate)
    assert max(times) - min(times) == pytest.approx((100 - settings.chat_burst) / settings.chat_rate, abs=0.01)


async def test_many_chats_never_exceed_the_global_rate(
    bot: BotClient, emu: Emulator, settings: TelegramSettings, autojump_clock: trio.abc.Clock) -> None:
    users = await _started_users(emu, range(2000, 2200))
    async with trio.open_nursery() as nursery:
        for user in users:
            nursery.start_soon(bot.send_message, user.chat_id, "news")
    times = call_times(emu, "sendMessage")
    assert len(times) == 200
    assert max_per_window(times) <= settings.global_rate
    # And not slower: 1/rate apart, each second's last send held until 1.005 s after its first.
    assert max(times) - min(times) == pytest.approx(199 / settings.global_rate, abs=0.05)


async def test_waiters_are_served_in_order(bot: BotClient, emu: Emulator, autojump_clock: trio.abc.Clock) -> None:
    (user,) = await _started_users(emu, range(1001, 1002))
    async with trio.open_nursery() as nursery:
        for i in range(10):
            nursery.start_soon(bot.send_message, 1001, f"m{i}")
            await trio.sleep(0.01)  # arrival order is i
    assert [m["text"] for m in user.bot_messages()] == [f"m{i}" for i in range(10)]


async def test_retry_after_pauses_all_sends(bot: BotClient, emu: Emulator, autojump_clock: trio.abc.Clock) -> None:
    users = await _started_users(emu, range(3000, 3010))
    emu.faults.inject(Fault(method="sendMessage", kind="retry_after", retry_after=5, times=1))
    async with trio.open_nursery() as nursery:
        for user in users:
            nursery.start_soon(bot.send_message, user.chat_id, "hello")
    times = call_times(emu, "sendMessage")
    assert len(times) == 11 and all(len(u.bot_messages()) == 1 for u in users)
    flooded = times[0]
    assert not [t for t in times[1:] if flooded < t < flooded + 5 - 1e-6]
    assert bot.flood_control.statistics().paused_until == pytest.approx(flooded + 5)


async def test_edits_and_callback_answers_are_not_delayed(bot: BotClient, emu: Emulator, autojump_clock: trio.abc.Clock) -> None:
    await _started_users(emu, range(1001, 1002))
    sent = await bot.send_message(1001, "v0")
    start = trio.current_time()
    for i in range(1, 11):
        await bot.edit_message_text(1001, sent.message_id, f"v{i}")
    assert trio.current_time() == start
    assert len(call_times(emu, "editMessageText")) == 10


async def test_token_bucket_refills_at_rate(autojump_clock: trio.abc.Clock) -> None:
    bucket = TokenBucket(rate=2.0, burst=2)
    start = trio.current_time()
    for _ in range(6):
        await bucket.take()
    assert trio.current_time() - start == pytest.approx(2.0)  # 2 from the burst, then 4 at 2/s
    await trio.sleep(10)
    assert bucket.idle()


async def test_a_late_send_does_not_push_the_schedule_back(autojump_clock: trio.abc.Clock) -> None:
    paced = PacedRate(10.0)  # slots 0.1 s apart
    start = trio.current_time()
    await paced.take()
    await trio.sleep(0.15)  # this sender comes late for its slot at 0.1...
    await paced.take()
    assert trio.current_time() - start == pytest.approx(0.15)
    await paced.take()  # ...and the next keeps the slot at 0.2, not 0.25
    assert trio.current_time() - start == pytest.approx(0.2)
    await trio.sleep(1)  # idle: a new schedule starts at the next send
    resumed = trio.current_time()
    await paced.take()
    await paced.take()
    assert trio.current_time() - resumed == pytest.approx(0.1)


async def test_catching_up_never_packs_a_second_over_the_rate(autojump_clock: trio.abc.Clock) -> None:
    paced = PacedRate(10.0)
    times: list[float] = []
    await paced.take()
    times.append(trio.current_time())
    await trio.sleep(0.19)  # late by almost a whole interval, then eager
    for _ in range(30):
        await paced.take()
        times.append(trio.current_time())
    assert max_per_window(times) <= 10
    assert all(b - a >= 1.0 for a, b in zip(times, times[10:], strict=False))
    assert times[-1] - times[0] == pytest.approx(3 * 1.005, abs=0.2)


async def test_sends_without_flood_control_would_burst(emu: Emulator, autojump_clock: trio.abc.Clock) -> None:
    """The limiter is what keeps the windows small: a bare client sends everything at once."""
    await _started_users(emu, range(1001, 1002))
    settings = TelegramSettings(token=TOKEN, owner_id=1, chat_rate=1000.0, chat_burst=1000, global_rate=1000.0)
    async with BotClient(settings, transport=emu.transport()) as bot, trio.open_nursery() as nursery:
        for i in range(20):
            nursery.start_soon(bot.send_message, 1001, f"m{i}")
    assert max_per_window(call_times(emu, "sendMessage")) == 20
