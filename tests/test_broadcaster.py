"""The broadcaster at scale under trio's MockClock: 2,000 emulator users, the configured rate never
exceeded in any one-second window, users who blocked the bot counted and skipped next time, a 429
obeyed, and a crash mid-way resumed without skipping anyone."""

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import trio

from actors.broadcaster import LEASE_SECONDS, Broadcaster
from storage import StorageSettings, Store, open_store
from telegram.client import BotClient
from telegram.config import AdminSettings, ShopSettings, TelegramSettings
from telegram.emulator import Emulator, Fault

TOKEN = "123456:TEST"
OWNER = 1
USERS = 2000
RATE = 30.0


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=sqlite_url)) as opened:
        yield opened


async def audience(store: Store, emu: Emulator, count: int) -> list[int]:
    """`count` users who started the bot (and the owner, who gets the progress and the report)."""
    bot = emu.bot()
    ids = [OWNER, *range(10_001, 10_001 + count)]
    for user_id in ids:
        emu.user(user_id, f"u{user_id}")
        emu.chat(bot, user_id).started = True
        await store.register_user(user_id, username=None, first_name=f"u{user_id}", language_code="en", owner_id=OWNER, referrer_id=None)
    return ids


def broadcast_times(emu: Emulator, text: str) -> list[float]:
    return sorted(when for when, method, params in emu.calls if method == "sendMessage" and params.get("text") == text)


def received(emu: Emulator, ids: list[int], text: str) -> Counter[int]:
    bot = emu.bot()
    return Counter({
        user_id: sum(1 for m in emu.chat(bot, user_id).messages.values() if m.get("text") == text) for user_id in ids
    })


def fastest_second(times: list[float]) -> int:
    """The most sends in any one-second window."""
    most, start = 0, 0
    for end, when in enumerate(times):
        while when - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def die_after(emu: Emulator, sends: int, crash: trio.CancelScope) -> None:
    while sum(1 for _, method, _ in emu.calls if method == "sendMessage") < sends:
        await trio.sleep(0.01)
    crash.cancel()


@pytest.fixture
def emu() -> Emulator:
    # Telegram's bulk limit, enforced: a broadcaster that went faster would meet 429s.
    emulator = Emulator(flood_limit=int(RATE))
    emulator.create_bot(token=TOKEN, username="shop_bot", first_name="Shop")
    return emulator


def broadcaster(store: Store, bot: BotClient, *, later: float = 0.0) -> Broadcaster:
    """A broadcaster (as in one process) whose wall clock is `later` seconds ahead."""
    return Broadcaster(
        store, bot, AdminSettings(broadcast_rate=RATE), ShopSettings(), OWNER, global_rate=RATE,
        wall=lambda: datetime.now(UTC) + timedelta(seconds=later),
    )


async def test_two_thousand_users_each_get_it_once_within_the_rate(
    store: Store, emu: Emulator, autojump_clock: trio.testing.MockClock
) -> None:
    ids = await audience(store, emu, USERS)
    blocked = ids[5::97]  # 21 users blocked the bot
    for user_id in blocked:
        emu.user(user_id).block_bot()
    # One 429 on the way: the whole bot waits out retry_after, then goes on.
    emu.faults.inject(Fault(method="sendMessage", kind="retry_after", retry_after=3, after=500))
    job = await store.create_broadcast(OWNER, "<b>Sale</b> today", "all")
    async with BotClient(TelegramSettings(token=TOKEN, owner_id=OWNER), transport=emu.transport()) as bot:
        job = await broadcaster(store, bot).work(job)

    counts = received(emu, ids, "Sale today")  # as the users read it
    reachable = [user_id for user_id in ids if user_id not in blocked]
    assert all(counts[user_id] == 1 for user_id in reachable) and all(counts[user_id] == 0 for user_id in blocked)
    assert (job.status, job.delivered, job.blocked, job.failed) == ("done", len(reachable), len(blocked), 0)
    assert fastest_second(broadcast_times(emu, "<b>Sale</b> today")) <= RATE
    assert emu.floods == 0
    # The report reached the owner; the blocked users are skipped by the next broadcast.
    assert any("Broadcast #1 finished" in (m.get("text") or "") for m in emu.chat(emu.bot(), OWNER).messages.values())
    assert await store.audience_size("all") == len(reachable)


async def test_a_crash_mid_way_resumes_after_the_last_batch_written(
    store: Store, emu: Emulator, autojump_clock: trio.testing.MockClock
) -> None:
    ids = await audience(store, emu, 600)
    job = await store.create_broadcast(OWNER, "News", "all")
    async with BotClient(TelegramSettings(token=TOKEN, owner_id=OWNER), transport=emu.transport()) as bot:
        with trio.CancelScope() as crash:  # the process dies in the middle of a batch
            async with trio.open_nursery() as nursery:
                nursery.start_soon(die_after, emu, 250, crash)
                await broadcaster(store, bot).work(job)
        [left] = await store.running_broadcasts()
        assert 0 < left.cursor < ids[-1]
        # Another process leaves it alone while the dead one's lease lasts ...
        sends = len(broadcast_times(emu, "News"))
        assert await broadcaster(store, bot).work(left) == left and len(broadcast_times(emu, "News")) == sends
        # ... and picks it up, where the database says it stopped, once the lease has run out.
        done = await broadcaster(store, bot, later=LEASE_SECONDS + 1).work(left)

    counts = received(emu, ids, "News")
    assert min(counts.values()) == 1, "nobody is skipped"
    twice = [user_id for user_id, count in counts.items() if count > 1]
    assert 0 < len(twice) <= RATE, "only the batch in flight is sent again"
    assert all(user_id > left.cursor for user_id in twice)
    assert (done.status, done.delivered) == ("done", len(ids))


async def test_two_processes_never_send_one_broadcast_twice(
    store: Store, emu: Emulator, autojump_clock: trio.testing.MockClock
) -> None:
    ids = await audience(store, emu, 300)
    job = await store.create_broadcast(OWNER, "Once", "all")
    async with BotClient(TelegramSettings(token=TOKEN, owner_id=OWNER), transport=emu.transport()) as bot:
        async with trio.open_nursery() as nursery:
            for _ in range(2):
                nursery.start_soon(broadcaster(store, bot).work, job)
    assert set(received(emu, ids, "Once").values()) == {1}
    [done] = await store.recent_broadcasts(1)
    assert (done.status, done.delivered) == ("done", len(ids))
