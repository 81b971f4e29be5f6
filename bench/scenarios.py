"""What the users of bench/updates.py do (`--scenario`), each in a closed loop: an update, its answer,
a pause of about `think` seconds (uniformly 0.5 to 1.5 times it), the next update.

- browse: the same users, started beforehand (their /start is not measured), press a browsing button of
  the bot's latest message at random (Shop, a category, an item, Back, Main menu; never Buy) or, one time
  in MENU_SHARE or when there is no such button, send /menu.
- journey: newcomers, as a shop's real traffic has them. A fresh user sends /start (registration
  included), then Shop → a random category → a random item → Back ×3 (to the category, the shop, the
  main menu), again and again, and is retired after JOURNEY_UPDATES updates for a fresh one.
"""

import itertools
import random
from collections.abc import Callable, Iterator
from typing import Literal

import trio

from bench.timing import Meter, TimedEmulator, Waiter, ask
from telegram.emulator import EmulatedUser
from telegram.screens.user.callbacks import OpenCategory, OpenItem, OpenMenu, OpenShop

type Scenario = Literal["browse", "journey"]
SCENARIOS: tuple[Scenario, ...] = ("browse", "journey")
MENU_SHARE = 0.1
# The buttons users press: browsing only (Buy would lead to purchases).
BROWSING = frozenset(cls.__prefix__ for cls in (OpenMenu, OpenShop, OpenCategory, OpenItem))
# A journey's presses, by the kind of button each picks (at random among that kind on the screen):
# Shop, a category, an item, then Back from the item (its category), from the category (the shop)
# and from the shop (the main menu).
JOURNEY = tuple(cls.__prefix__ for cls in (OpenShop, OpenCategory, OpenItem, OpenCategory, OpenShop, OpenMenu))
# /start and four journeys.
JOURNEY_UPDATES = 1 + 4 * len(JOURNEY)


def buttons(emu: TimedEmulator, user: EmulatedUser, prefixes: frozenset[str]) -> list[tuple[str, int]]:
    """(label, message id) of the buttons of the given callback kinds on the bot's newest message to the user."""
    message_id = emu.latest.get(user.id)
    if message_id is None:
        return []
    message = emu.chat(emu.bot(), user.id).messages.get(message_id) or {}
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [
        (button["text"], message_id)
        for row in rows
        for button in row
        if button.get("callback_data", "").split(":", 1)[0] in prefixes
    ]


async def browse(emu: TimedEmulator, user: EmulatedUser, meter: Meter, think: float) -> None:
    rng = random.Random(user.id)
    while True:
        shown = buttons(emu, user, BROWSING)
        if not shown or rng.random() < MENU_SHARE:
            waiter = await ask(emu, user, text="/menu")
        else:
            waiter = await ask(emu, user, button=rng.choice(shown))
        _note(meter, waiter)
        await trio.sleep(think * rng.uniform(0.5, 1.5))


async def journeys(newcomer: Callable[[], EmulatedUser], emu: TimedEmulator, meter: Meter, think: float) -> None:
    """Newcomer after newcomer, each on JOURNEY_UPDATES updates (see the module docstring)."""
    while True:
        user = newcomer()
        rng = random.Random(user.id)
        waiter = await ask(emu, user, text="/start")
        _note(meter, waiter)
        presses: Iterator[str] = itertools.cycle(JOURNEY)
        for _ in range(JOURNEY_UPDATES - 1):
            await trio.sleep(think * rng.uniform(0.5, 1.5))
            shown = buttons(emu, user, frozenset({next(presses)}))
            # A screen that did not come (an update unanswered): the journey starts over from /menu.
            waiter = await ask(emu, user, button=rng.choice(shown)) if shown else await ask(emu, user, text="/menu")
            if not shown:
                presses = itertools.cycle(JOURNEY)
            _note(meter, waiter)


def _note(meter: Meter, waiter: Waiter | None) -> None:
    if waiter is not None:
        meter.record(waiter)
    elif meter.measuring():
        meter.unanswered += 1
