"""Fixtures: an emulated Telegram with one bot and one started user, and a BotClient talking to it."""

from collections.abc import AsyncIterator

import pytest

from telegram.client import BotClient
from telegram.config import TelegramSettings
from telegram.emulator import EmulatedUser, Emulator

TOKEN = "123:T"


@pytest.fixture
def settings() -> TelegramSettings:
    return TelegramSettings(token=TOKEN, owner_id=1, max_retries=3)


@pytest.fixture
def emu() -> Emulator:
    emulator = Emulator()
    emulator.create_bot(token=TOKEN, username="shop_bot")
    return emulator


@pytest.fixture
async def ann(emu: Emulator) -> EmulatedUser:
    user = emu.user(1001, first_name="Ann")
    await user.send_text("/start")  # a bot may only write to users who started it
    return user


@pytest.fixture
async def bot(emu: Emulator, settings: TelegramSettings) -> AsyncIterator[BotClient]:
    async with BotClient(settings, transport=emu.transport()) as client:
        yield client


def call_times(emu: Emulator, method: str) -> list[float]:
    """Trio times at which the emulator received `method`."""
    return [t for t, name, _ in emu.calls if name == method]


def max_per_window(times: list[float], window: float = 1.0) -> int:
    """The most calls in any half-open window [t, t + window); 1 µs of float tolerance on the right edge."""
    times = sorted(times)
    return max((sum(1 for u in times if t <= u < t + window - 1e-6) for t in times), default=0)
