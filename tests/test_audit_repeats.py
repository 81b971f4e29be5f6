"""Security events anyone can make at will (a forged staff button, another user's purchase id, a
webhook with a bad signature) are counted, not written again: one source's repeats within a minute
are one row with a count, which the owner's audit viewer shows; other sources keep rows of their own,
and admin actions are never merged."""

import uuid

import trio

from account_helpers import answer_after, press_data
from buying import reply_to
from conftest import OWNER_ID, RunningShop, open_shop
from storage import Store
from telegram.emulator import EmulatedUser
from telegram.screens.admin.callbacks import AdminCatalog, OpenAudit, OpenStock
from telegram.screens.user.callbacks import OpenPurchase

FORGERIES = 50


async def forge(shop: RunningShop, user: EmulatedUser, data: str) -> dict:
    """Press a button the bot never offered; its answer."""
    answers = len(user.callback_answers)
    await press_data(shop, user, data)
    return await answer_after(user, answers)


async def test_fifty_forged_presses_by_one_user_are_one_row_counting_fifty(database_url: str) -> None:
    async with open_shop(database_url, chat_rate=100.0, chat_burst=100) as shop:
        owner, bob, carl = shop.emu.user(OWNER_ID, "Owner"), shop.emu.user(1002, "Bob"), shop.emu.user(1003, "Carl")
        for user in (owner, bob, carl):
            await reply_to(user, "/start")
        # Bob tries the staff's buttons, different ones each time (the window is a minute from his
        # first try, and fifty presses take a few seconds), then other buyers' purchases.
        for n in range(FORGERIES):
            answer = await forge(shop, bob, (AdminCatalog() if n % 2 else OpenStock()).pack())
            assert answer["text"] == "⛔ This is for the shop's staff only."
        for _ in range(3):
            answer = await forge(shop, bob, OpenPurchase(purchase_id=uuid.uuid4().hex).pack())
            assert answer["text"] == "Purchase not found."
        # Carl's forgery is his own row.
        await forge(shop, carl, AdminCatalog().pack())

        rows = (await shop.store.audit_page(1, 50, security_only=True)).rows
        assert sorted((e.actor_id, e.action, e.target, e.count) for e in rows) == [
            (1002, "permission.refused", "stock.view", FORGERIES),  # his first try names the row
            (1002, "purchase.foreign_id", rows[-2].target, 3),
            (1003, "permission.refused", "catalog.view", 1),
        ]
        # The owner's own actions stay one row each, however quick.
        await shop.store.set_maintenance(True, actor_id=OWNER_ID)
        await shop.store.set_maintenance(False, actor_id=OWNER_ID)
        assert [e.count for e in (await shop.store.audit_page(1, 2)).rows] == [1, 1]

        # The viewer shows the count.
        await press_data(shop, owner, OpenAudit(security=True).pack())
        log = await owner.wait_for(lambda m: "Security events" in (m.get("text") or ""))
        assert f"permission.refused ×{FORGERIES} · stock.view" in log["text"]
        assert "purchase.foreign_id ×3" in log["text"]
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
