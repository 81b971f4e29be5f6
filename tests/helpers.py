"""Small helpers for tests that act as users of the shop."""

from collections.abc import Callable
from decimal import Decimal

import trio

from storage import Store
from telegram.emulator import EmulatedUser


async def eventually(check: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    """Wait until `check()` holds; fail the test naming `what` otherwise."""
    with trio.move_on_after(timeout):
        while not check():
            await trio.sleep(0.01)
        return
    raise AssertionError(f"timed out waiting for {what}")


async def last_answer(user: EmulatedUser, count_before: int, timeout: float = 5.0) -> dict:
    """The callback answer that arrives after `count_before` answers were already there."""
    await eventually(lambda: len(user.callback_answers) > count_before, timeout, "a callback answer")
    return user.callback_answers[count_before]


async def seed_item(store: Store, *, title: str = "Space <Game> & Co", price: str = "10.00", units: list[str]) -> None:
    await store.add_category("Games")
    await store.add_item("Games", title, Decimal(price), "Region <free> & fast")
    await store.add_stock(title, units)


async def open_item(user: EmulatedUser, title: str = "Space <Game> & Co", price: str = "10.00 USD") -> None:
    """/start → Shop → Games → the item card."""
    await user.send_text("/start")
    await user.wait_for_text("Welcome")
    await user.press("🛍 Shop")
    await user.wait_for_text("Choose a category")
    await user.press("Games (1)")
    await user.wait_for_text("Choose an item")
    await user.press(f"{title} · {price}")
    await user.wait_for_text("In stock:")
