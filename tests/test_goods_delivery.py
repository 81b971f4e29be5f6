"""The goods reach the buyer whatever becomes of what goes before them, on SQLite and PostgreSQL: a button
answer Telegram refuses (the press is older than its callback window) stops neither a purchase's goods
nor their re-sending from the history, and a lost "payment received" stops no direct purchase's goods.
Each is bought once. The goods draw no link preview: a key may be a link, which Telegram would fetch.
"""

from decimal import Decimal
from typing import Any

from storage import PurchaseRequest
from telegram.emulator import EmulatedUser, Fault
from tests.support.chat import entity_text, labels, open_card, press_when_shown
from tests.support.payments import invoices
from tests.support.shop import OWNER_ID, RunningShop, open_shop
from tests.support.waiting import eventually

# A key that is a link: a preview would make Telegram's servers fetch it.
LINK_KEY = "https://store.example/redeem?code=SECRET-0001"
NO_PREVIEW = {"is_disabled": True}


async def quest(shop: RunningShop, *, balance: str) -> int:
    """The item Quest (10.00 USD) with two keys, the first a link, and Ann (1001) with `balance`."""
    await shop.store.add_category("Games")
    item = await shop.store.add_item("Games", "Quest", Decimal("10.00"))
    await shop.store.add_stock("Quest", [LINK_KEY, "KEY-2"])
    await shop.store.register_user(1001, username=None, first_name="Ann", language_code="en", owner_id=OWNER_ID)
    if Decimal(balance):
        await shop.store.credit_user(1001, Decimal(balance), kind="topup")
    return item.id


def keys_in(message: dict[str, Any]) -> list[str]:
    return [entity_text(message["text"], e) for e in message.get("entities", []) if e["type"] == "code"]


async def all_answered(shop: RunningShop) -> None:
    """Every press so far is answered, so a fault injected next hits the next press's answer."""
    await eventually(lambda: all(query.answered for query in shop.emu.queries.values()), what="every press answered")


async def refuse_next_answer(shop: RunningShop, user: EmulatedUser, label: str) -> None:
    """Press `label` and have Telegram refuse its answer as too late ("query is too old ...")."""
    await all_answered(shop)
    shop.emu.faults.inject(Fault(method="answerCallbackQuery", kind="bad_request"))
    await user.press(label)
    await eventually(lambda: not shop.emu.faults.pending, what="the answer refused")


async def test_goods_of_a_confirm_answered_too_late_still_arrive_once(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        item_id = await quest(shop, balance="20.00")
        ann = shop.emu.user(1001)
        await open_card(ann, "Games (1)", "Quest · 10.00 USD")
        await ann.press("Buy")
        await press_when_shown(ann, "1")
        await ann.wait_for_text("Quantity: 1")
        await refuse_next_answer(shop, ann, "✅ Confirm")
        delivery = await ann.wait_for_text("📦 Quest")
        assert keys_in(delivery) == [LINK_KEY] and delivery["link_preview_options"] == NO_PREVIEW
        await ann.wait_for_text("Purchase complete")
        assert (await shop.store.purchase_history(1001, 1, 10)).total == 1
        assert (await shop.store.get_user(1001)).balance == Decimal("10.00")
        assert (await shop.store.get_item(item_id)).stock_left == 1
        assert await shop.store.check_ledger() == []


async def test_goods_opened_again_from_the_history_arrive_though_the_answer_is_refused(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        item_id = await quest(shop, balance="10.00")
        await shop.store.buy([PurchaseRequest(key="ann", user_id=1001, item_id=item_id)])
        ann = shop.emu.user(1001)
        await ann.send_text("/start")
        for label in ("👤 Profile", "🧾 Purchases"):
            await press_when_shown(ann, label)
        listing = await ann.wait_for_text("You have made 1 purchase")
        row = next(label for label in labels(listing) if " · Quest · " in label)
        await refuse_next_answer(shop, ann, row)
        again = await ann.wait_for_text("📦 Quest")
        assert keys_in(again) == [LINK_KEY] and again["link_preview_options"] == NO_PREVIEW
        await ann.wait_for_text("Item: Quest")
        assert (await shop.store.purchase_history(1001, 1, 10)).total == 1
        assert (await shop.store.get_user(1001)).balance == Decimal("0.00")


async def test_goods_paid_with_stars_arrive_though_the_message_before_them_is_lost(database_url: str) -> None:
    # No retries: the one 502 Telegram answers is final, as when its outage outlasts them.
    async with open_shop(database_url, max_retries=0) as shop:
        await quest(shop, balance="0")
        ann = shop.emu.user(1001)
        await open_card(ann, "Games (1)", "Quest · 10.00 USD")
        await ann.press("Buy")
        await press_when_shown(ann, "1")
        await press_when_shown(ann, "⭐ Pay with Stars: 500")
        await ann.wait_for(lambda m: bool(invoices(ann)))
        # The first message after the payment is "Payment received ... Here is your order": it is lost.
        shop.emu.faults.inject(Fault(method="sendMessage", kind="server_error"))
        assert (await ann.pay()).status == "paid"
        delivery = await ann.wait_for_text("📦 Quest")
        assert keys_in(delivery) == [LINK_KEY] and delivery["link_preview_options"] == NO_PREVIEW
        assert not shop.emu.faults.pending and not any("Payment received" in (m.get("text") or "") for m in ann.bot_messages())
        assert (await shop.store.purchase_history(1001, 1, 10)).total == 1
        assert (await shop.store.get_user(1001)).balance == Decimal("0.00")
        assert await shop.store.check_ledger() == []
