"""One buyer's whole visit, in English and in Russian: every screen of the shop in one conversation.

Buttons are pressed by their label in the buyer's language (read from the catalogs); what the buyer
reads is checked against literal text in that language, so a screen that fell back to English, or
to a message id, fails here.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from storage import ReferralTerms
from telegram.config import ShopSettings
from telegram.emulator import EmulatedUser
from telegram.texts import Texts
from tests.support.chat import labels, press_when_shown
from tests.support.shop import open_shop
from tests.support.waiting import eventually

# What the buyer must read at each step, per language.
EXPECTED = {
    "en": {
        "welcome": "Welcome to",
        "card": "In stock:",
        "quantity": "How many",
        "promo": "Send your promo code",
        "order": "Total:",
        "delivered": "Purchase complete",
        "rated": "Thank you",
        "profile": "Balance:",
        "history": "You have made 1 purchase",
        "ledger": "Balance history",
        "referrals": "👥 Referrals",
        "help": "Help",
        "privacy": "Privacy policy",
        "search": "1 item found",
        "redeem": "redeemed: +5.00 USD",
    },
    "ru": {
        "welcome": "Добро пожаловать",
        "card": "В наличии:",
        "quantity": "Сколько",
        "promo": "Отправьте ваш промокод",
        "order": "Итого:",
        "delivered": "Покупка завершена",
        "rated": "Спасибо",
        "profile": "Баланс:",
        "history": "У вас 1 покупка",
        "ledger": "История баланса",
        "referrals": "👥 Рефералы",
        "help": "Помощь",
        "privacy": "Политика конфиденциальности",
        "search": "найден 1 товар",
        "redeem": "активирован: +5,00 USD",
    },
}


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_a_whole_visit(sqlite_url: str, language: str) -> None:
    said = EXPECTED[language]
    t = Texts(ShopSettings(), language)
    async with open_shop(sqlite_url) as shop:
        store = shop.store
        await store.add_category("Games")
        await store.add_category("Strategy", parent="Games")
        await store.add_item("Strategy", "Ёлка Tactics", Decimal("4.00"), "Snow & <fir>")
        await store.add_stock("Ёлка Tactics", ["KEY-<1>", "KEY-&2", "KEY-3"])
        await store.create_promo("WINTER", kind="percent", value=Decimal("25"))
        await store.create_promo("GIFT", kind="credit", value=Decimal("5"), expires_at=datetime.now(UTC) + timedelta(days=1))

        inviter = shop.emu.user(500, first_name="Inviter", language_code=language)
        await inviter.send_text("/start")
        await inviter.wait_for_text(said["welcome"])
        buyer = shop.emu.user(501, first_name="Buyer", language_code=language)
        await buyer.send_text("/start 500")
        await buyer.wait_for_text(said["welcome"])
        await store.credit_user(501, Decimal("20.00"), kind="topup", referral=ReferralTerms(percent=Decimal("10")))

        # Browse: category → subcategory → card.
        await press_when_shown(buyer, t.plain("button.shop"))
        await press_starting(buyer, "Games")
        await press_starting(buyer, "Strategy")
        await press_starting(buyer, "Ёлка Tactics")
        await buyer.wait_for_text(said["card"])

        # Buy two with a promo code.
        await press_when_shown(buyer, t.plain("button.buy"))
        await buyer.wait_for_text(said["quantity"])
        await press_when_shown(buyer, "2")
        await buyer.wait_for_text(said["order"])
        await press_when_shown(buyer, t.plain("buy.button_promo"))
        await buyer.wait_for_text(said["promo"])
        await buyer.send_text("winter")
        await buyer.wait_for_text("WINTER")
        await press_when_shown(buyer, t.plain("button.confirm"))
        delivery = await buyer.wait_for_text("KEY-<1>")
        assert "KEY-&2" in delivery["text"]
        await buyer.wait_for_text(said["delivered"])
        assert (await store.get_user(501)).balance == Decimal("14.00")  # 2 × 4.00 − 25 %

        # Rate it.
        await press_when_shown(buyer, t.plain("buy.button_rate"))
        await press_when_shown(buyer, t.plain("reviews.star_button", rating=5))
        await press_when_shown(buyer, t.plain("reviews.button.skip"))
        await buyer.wait_for_text(said["rated"])
        [item] = [i for c in await store.list_categories() for i in await store.list_items(c.id)]
        assert (await store.get_item(item.id)).rating_count == 1

        # Profile, history (re-delivery), ledger, referrals.
        await buyer.send_text("/menu")
        await press_when_shown(buyer, t.plain("button.profile"))
        await buyer.wait_for_text(said["profile"])
        await press_when_shown(buyer, t.plain("profile.button.history"))
        await buyer.wait_for_text(said["history"])
        keys_before = sum("KEY-<1>" in (m.get("text") or "") for m in buyer.bot_messages())
        await press_starting(buyer, "Ёлка Tactics")
        await eventually(
            lambda: sum("KEY-<1>" in (m.get("text") or "") for m in buyer.bot_messages()) > keys_before,
            what="the goods sent again from history",
        )
        await buyer.send_text("/menu")
        await press_when_shown(buyer, t.plain("button.profile"))
        await press_when_shown(buyer, t.plain("profile.button.ledger"))
        await buyer.wait_for_text(said["ledger"])
        await buyer.send_text("/menu")
        await press_when_shown(buyer, t.plain("button.profile"))
        await press_when_shown(buyer, t.plain("profile.button.referrals"))
        await buyer.wait_for_text(said["referrals"])
        assert (await store.get_user(500)).balance == Decimal("2.00")  # 10 % of the 20.00 top-up

        # Credit code, search, pages.
        await buyer.send_text("/redeem gift")
        await buyer.wait_for_text(said["redeem"])
        assert (await store.get_user(501)).balance == Decimal("19.00")
        await buyer.send_text("/search ЁЛКА")
        await buyer.wait_for_text(said["search"])
        await buyer.send_text("/help")
        await buyer.wait_for_text(said["help"])
        await buyer.send_text("/privacy")
        await buyer.wait_for_text(said["privacy"])
        assert await store.check_ledger() == []


async def press_starting(user: EmulatedUser, *fragments: str) -> None:
    """Press the newest button whose label contains every fragment (labels carry counts and prices)."""

    def found() -> str | None:
        for message in reversed(user.bot_messages()):
            for label in labels(message):
                if all(fragment in label for fragment in fragments):
                    return label
        return None

    await eventually(lambda: found() is not None, what=f"a button with {fragments}")
    await user.press(found())  # type: ignore[arg-type]
