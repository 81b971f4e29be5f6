"""Paying through Telegram: top up with Stars, then buy with the balance."""

from decimal import Decimal

from buying import press_when_shown
from conftest import open_shop
from helpers import eventually, seed_item


async def test_stars_top_up_then_buy(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        await seed_item(shop.store, units=["KEY-1"])
        user = shop.emu.user(500, "Ann")
        await user.send_text("/start")
        await press_when_shown(user, "👤 Profile")
        await press_when_shown(user, "💳 Top up")
        await press_when_shown(user, "10.00 USD")
        await press_when_shown(user, "⭐ Telegram Stars (500 ⭐)")
        await user.wait_for(lambda m: "invoice" in m)
        outcome = await user.pay()
        assert outcome.status == "paid", outcome
        await user.wait_for_text("Payment received")
        record = await shop.store.get_user(500)
        assert record is not None and record.balance == Decimal("10.00")
        assert await shop.store.check_ledger() == []
