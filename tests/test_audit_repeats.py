"""Security events anyone can make at will (a forged staff button, another user's purchase id, a
webhook with a bad signature) are counted, not written again: within a minute, one source's repeats
of an event are one row with a count, and however it varies what it sends, a source writes at most
DISTINCT_MAX rows of an action. The owner's audit viewer shows the counts; other sources keep rows
of their own, and admin actions are never merged."""

import uuid

import trio

from storage import Store
from storage.audit import DISTINCT_MAX
from telegram.emulator import EmulatedUser
from telegram.screens.admin.callbacks import AdminCatalog, OpenAudit, OpenStock
from telegram.screens.user.callbacks import OpenPurchase
from tests.support.chat import last_answer, press_data, reply_to
from tests.support.shop import OWNER_ID, RunningShop, open_shop

FORGERIES = 50


async def forge(shop: RunningShop, user: EmulatedUser, data: str) -> dict:
    """Press a button the bot never offered; its answer."""
    answers = len(user.callback_answers)
    await press_data(user, data)
    return await last_answer(user, answers)


async def test_fifty_forged_presses_by_one_user_are_one_row_counting_fifty(database_url: str) -> None:
    """Fifty presses of a forged staff button take a few seconds, well within the minute a row
    counts for (a minute from the first): one row. Thirty foreign purchase ids, each different:
    DISTINCT_MAX rows, the last counting the rest."""
    async with open_shop(database_url, chat_rate=100.0, chat_burst=100) as shop:
        owner, bob, carl = shop.emu.user(OWNER_ID, "Owner"), shop.emu.user(1002, "Bob"), shop.emu.user(1003, "Carl")
        for user in (owner, bob, carl):
            await reply_to(user, "/start")
        for _ in range(FORGERIES):
            answer = await forge(shop, bob, OpenStock().pack())
            assert answer["text"] == "⛔ This is for the shop's staff only."
        for _ in range(30):
            answer = await forge(shop, bob, OpenPurchase(purchase_id=uuid.uuid4().hex).pack())
            assert answer["text"] == "Purchase not found."
        # Carl's forgery is his own row.
        await forge(shop, carl, OpenStock().pack())
        await forge(shop, carl, AdminCatalog().pack())

        rows = list(reversed((await shop.store.audit_page(1, 50, security_only=True)).rows))
        assert [(e.actor_id, e.action, e.target, e.count) for e in rows if e.action == "permission.refused"] == [
            (1002, "permission.refused", "stock.view", FORGERIES),
            (1003, "permission.refused", "stock.view", 1),
            (1003, "permission.refused", "catalog.view", 1),
        ]
        foreign = [e.count for e in rows if e.action == "purchase.foreign_id"]
        assert foreign == [1] * (DISTINCT_MAX - 1) + [30 - DISTINCT_MAX + 1]
        # The owner's own actions stay one row each, however quick.
        await shop.store.set_maintenance(True, actor_id=OWNER_ID)
        await shop.store.set_maintenance(True, actor_id=OWNER_ID)
        assert [(e.action, e.count) for e in (await shop.store.audit_page(1, 2)).rows] == [("maintenance.on", 1)] * 2

        # The viewer shows the counts.
        await press_data(owner, OpenAudit(security=True).pack())
        log = await owner.wait_for(lambda m: "Security events" in (m.get("text") or ""))
        assert f"permission.refused ×{FORGERIES} · stock.view" in log["text"]
        assert f"purchase.foreign_id ×{30 - DISTINCT_MAX + 1}" in log["text"]
        assert "permission.refused · catalog.view" in log["text"]


async def test_repeats_recorded_at_once_lose_no_count(database_url: str) -> None:
    """Events of one source recorded at once (as by several processes; here by tasks sharing the
    pool) all count: on a row already there they all add to it; as first events they may race into
    a few rows, whose counts still add up to every event."""
    async with open_shop(database_url) as shop:
        store: Store = shop.store

        async def refused(actor_id: int) -> None:
            await store.record_event("permission.refused", actor_id=actor_id, target="catalog.view", security=True)

        await refused(1002)
        async with trio.open_nursery() as nursery:
            for _ in range(40):
                nursery.start_soon(refused, 1002)
                nursery.start_soon(refused, 1003)
        rows = (await store.audit_page(1, 100, security_only=True)).rows
        bob = [e.count for e in rows if e.actor_id == 1002]
        carl = [e.count for e in rows if e.actor_id == 1003]
        assert bob == [41], bob
        assert sum(carl) == 40, carl
