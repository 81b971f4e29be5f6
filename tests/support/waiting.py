"""Waiting for a condition, never for a fixed time: `eventually`, and `until_idle` before a test checks
that nothing more happens (nothing handled twice, nothing credited twice)."""

from collections.abc import Callable

import trio
from prometheus_client import REGISTRY

from storage import Store
from telegram.emulator import Emulator
from tests.support.shop import RunningShop

# How often a condition is looked at again.
POLL = 0.01


async def eventually(check: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    """Wait until `check()` holds; fail the test naming `what` otherwise."""
    with trio.move_on_after(timeout):
        while not check():
            await trio.sleep(POLL)
        return
    raise AssertionError(f"timed out waiting for {what}")


async def until_idle(shop: RunningShop, timeout: float = 10.0) -> None:
    """Wait until the shop has done all it will do with the updates sent so far: Telegram (the emulator's
    first bot, the shop's) holds none it has not seen confirmed, the poller has none in hand (its lanes
    hold none waiting, being handled or due for a retry) and the inbox none unhandled. A repeat still to
    come (an update offered twice) would be in hand: what the users see now is final until someone sends
    something new."""
    await _until_quiet(shop.emu, shop.store, shop.running.updates_idle, timeout)


async def until_handled(emu: Emulator, store: Store, timeout: float = 10.0) -> None:
    """`until_idle` for a shop in another process, whose poller is out of reach: Telegram holds no
    unconfirmed update (each confirmed one is in the inbox) and the inbox none unhandled (each was
    handled, its answers sent, before it was marked)."""
    await _until_quiet(emu, store, lambda: True, timeout)


async def _until_quiet(emu: Emulator, store: Store, poller_idle: Callable[[], bool], timeout: float) -> None:
    with trio.move_on_after(timeout):
        while True:
            # The inbox first: an update stashed while it is read is still in the poller's hands after it.
            unhandled = await store.unhandled_updates()
            if not unhandled and not emu.pending_updates() and poller_idle():
                return
            await trio.sleep(POLL)
    raise AssertionError(
        f"the shop was not idle within {timeout} s: {emu.pending_updates()} updates unconfirmed, "
        f"{len(await store.unhandled_updates())} unhandled in the inbox, poller idle: {poller_idle()}"
    )


def reconciler_rounds() -> float:
    """Payment reconciler rounds finished in this process, whatever their outcome (its Prometheus counter)."""
    return sum(
        REGISTRY.get_sample_value("shopkeeper_reconciler_rounds_total", {"outcome": outcome}) or 0.0
        for outcome in ("ok", "part_failed")
    )


async def until_reconciler_rounds(count: int, timeout: float = 5.0) -> None:
    """Wait until `count` more reconciler rounds have finished: the one under way, if any, and whole ones after it."""
    done = reconciler_rounds() + count
    await eventually(lambda: reconciler_rounds() >= done, timeout, f"{count} more reconciler rounds")
