"""A Stars payment whose recording meets a database error is kept and retried, in the running shop
and across a restart, until it is credited: exactly once, and the buyer is told once, never asked to
try again.

The payment must be in the shop's inbox before the database is held, or the test would only show that
getUpdates fetches it again (the inbox write needs SQLite's write lock too). So Ann's chat is kept busy
first: her /help answer hangs (an injected timeout) while she pays, the successful_payment waits behind
it in her chat's lane, the test sees it in the inbox and only then holds the database (SQLite: its
write lock, past a 100 ms busy timeout; PostgreSQL: the payments table, past a 200 ms lock_timeout).
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import asyncpg
import msgspec
import pytest
import trio

from telegram.emulator import EmulatedUser, Emulator, Fault
from tests.support.locks import WriteHold
from tests.support.payments import choose_top_up, credited, invoices
from tests.support.shop import TOKEN, open_shop
from tests.support.waiting import eventually, until_idle

QUICK = {"sqlite_busy_timeout_ms": 100}
DEFERRED = "not recorded"


async def lock_timeout(database_url: str) -> None:
    """On PostgreSQL, make every connection of the shop give up waiting for a lock after 200 ms."""
    if database_url.startswith("sqlite"):
        return
    name = database_url.rsplit("/", 1)[1]

    async def alter() -> None:
        connection = await asyncpg.connect(database_url)
        try:
            await connection.execute(f'ALTER DATABASE "{name}" SET lock_timeout = 200')
        finally:
            await connection.close()

    # asyncpg wants an asyncio loop of its own, away from this trio thread.
    await trio.to_thread.run_sync(asyncio.run, alter())


def sends(emu: Emulator) -> int:
    return sum(1 for _, method, _ in emu.calls if method == "sendMessage")


def apologies(user: EmulatedUser) -> int:
    return sum("Something went wrong" in (m.get("text") or "") for m in user.bot_messages())


@asynccontextmanager
async def paying_into_a_held_database(
    database_url: str, emu: Emulator, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[tuple[Any, WriteHold]]:
    """A running shop in which Ann has paid 10.00 USD in Stars, the payment is in the inbox, the
    database is held and the shop has failed to record it at least once. Yields (shop, hold)."""
    async with open_shop(database_url, emu, storage=QUICK, request_timeout=2.0) as shop, trio.open_nursery() as nursery:
        ann = emu.user(1001, "Ann")
        await choose_top_up(ann)
        await ann.wait_for(lambda _: len(invoices(ann)) == 1)
        # Ann's next answer hangs (until the client's 2 s timeout, then it is sent again).
        before = sends(emu)
        emu.faults.inject(Fault(method="sendMessage", kind="timeout"))
        await ann.send_text("/help")
        await eventually(lambda: sends(emu) > before, what="Ann's hanging answer")
        outcome = await ann.pay()
        assert outcome.status == "paid" and outcome.update_id is not None

        async def in_inbox() -> bool:
            kept = [msgspec.json.decode(payload)["update_id"] for payload in await shop.store.unhandled_updates()]
            return outcome.update_id in kept

        with trio.fail_after(5):
            while not await in_inbox():
                await trio.sleep(0.01)
        hold = WriteHold(nursery, database_url)
        await hold.take()
        try:
            await eventually(lambda: any(DEFERRED in r.getMessage() for r in caplog.records), 15, "a failed try")
            yield shop, hold
        finally:
            hold.release()


async def test_a_payment_that_meets_a_held_database_is_credited_once_when_it_frees(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    await lock_timeout(database_url)
    emu = Emulator()
    emu.create_bot(token=TOKEN, username="shop_bot", first_name="Shop")
    ann = emu.user(1001, "Ann")
    async with paying_into_a_held_database(database_url, emu, caplog) as (shop, hold):
        assert credited(ann) == 0
        hold.release()
        await ann.wait_for_text("Payment received: 10.00 USD", timeout=20)
        await until_idle(shop)
        user = await shop.store.get_user(ann.id)
        assert user is not None and user.balance == Decimal("10.00")
        ledger = await shop.store.ledger_page(ann.id, 1, 10)
        assert [(row.kind, row.amount) for row in ledger.rows] == [("topup", Decimal("10.00"))]
    assert credited(ann) == 1
    assert apologies(ann) == 0, "the shop retries a payment itself: nobody is asked to try again"


async def test_a_payment_still_failing_at_a_stop_is_credited_once_after_the_restart(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    await lock_timeout(database_url)
    emu = Emulator()
    emu.create_bot(token=TOKEN, username="shop_bot", first_name="Shop")
    ann = emu.user(1001, "Ann")
    async with paying_into_a_held_database(database_url, emu, caplog):
        pass  # the shop stops while the database is still held
    assert credited(ann) == 0

    async with open_shop(database_url, emu, storage=QUICK) as shop:
        await ann.wait_for_text("Payment received: 10.00 USD", timeout=20)
        await until_idle(shop)
        user = await shop.store.get_user(ann.id)
        assert user is not None and user.balance == Decimal("10.00")
        assert await shop.store.unhandled_updates() == []
    assert credited(ann) == 1
    assert apologies(ann) == 0
