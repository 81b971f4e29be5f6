"""The buyer's own data through the chat: profile numbers, language switch, purchase history (owner
only), balance history."""

import re
import uuid
from decimal import Decimal

import trio

from tests.support.chat import buttons, labels, last_answer, open_profile, press_data, start
from tests.support.shop import open_shop
from tests.support.store import add_goods, bought


async def test_profile_counts_purchases_with_plural_forms(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        item = await add_goods(shop.store, "Quest", units=10)
        ann = shop.emu.user(1001, first_name="Ann", language_code="ru")
        bob = shop.emu.user(1002, first_name="Bob", language_code="en")
        for user in (ann, bob):
            await start(user)
            await shop.store.credit_user(user.id, Decimal("100"), kind="topup")

        card = await open_profile(ann, "ru")
        assert "Баланс: 100,00 USD" in card["text"] and "0 покупок на сумму 0,00 USD" in card["text"]
        assert "Язык: Русский" in card["text"]
        assert "Реферальная ссылка: https://t.me/shop_bot?start=1001" in card["text"]
        expected = {1: "1 покупка на сумму 10,00 USD", 2: "2 покупки на сумму 20,00 USD", 5: "5 покупок на сумму 50,00 USD"}
        made = 0
        for count, text in expected.items():
            while made < count:
                made += 1
                await bought(shop.store, ann.id, item, key=f"ann-{made}")
            card = await open_profile(ann, "ru")
            assert text in card["text"], card["text"]
        assert f"Баланс: {Decimal(100) - 10 * made:.2f} USD".replace(".", ",") in card["text"]
        assert labels(card) == ["💳 Пополнить", "🧾 Покупки", "💰 История баланса", "👥 Рефералы", "🌐 Язык", "🏠 Главное меню"]

        await bought(shop.store, bob.id, item, quantity=2, key="bob-1")
        card = await open_profile(bob)
        assert "1 purchase, 20.00 USD spent" in card["text"] and "Balance: 80.00 USD" in card["text"]
        assert "Language: English" in card["text"]
        await bought(shop.store, bob.id, item, key="bob-2")
        card = await open_profile(bob)
        assert "2 purchases, 30.00 USD spent" in card["text"]
        assert labels(card) == ["💳 Top up", "🧾 Purchases", "💰 Balance history", "👥 Referrals", "🌐 Language", "🏠 Main menu"]
        # The bot's username was asked once (at start-up), not once per profile shown.
        assert sum(1 for _, method, _ in shop.emu.calls if method == "getMe") == 1
        assert await shop.store.check_ledger() == []


async def test_language_switch_applies_at_once_and_persists(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        ann = shop.emu.user(1001, first_name="Ann", language_code="en")
        await start(ann)
        await open_profile(ann)
        await ann.press("🌐 Language")
        choice = await ann.wait_for_text("Choose the language")
        assert labels(choice) == ["✓ English", "Русский", "‹ Back"]
        answers = len(ann.callback_answers)
        await ann.press("Русский")
        card = await ann.wait_for_text("Профиль")
        assert "Язык: Русский" in card["text"] and "Баланс: 0,00 USD" in card["text"]
        assert (await last_answer(ann, answers))["text"] == "Язык: Русский"
        assert (await shop.store.get_user(ann.id)).language == "ru"
        # Later updates speak Russian too (the dispatcher's cached user was replaced).
        menu = await start(ann, "/menu")
        assert "Выберите нужное ниже" in menu["text"]

        # A forged language is refused and changes nothing.
        answers = len(ann.callback_answers)
        await press_data(ann, "setlang:de")
        await last_answer(ann, answers)
        assert (await shop.store.get_user(ann.id)).language == "ru"

    # A restarted shop remembers the choice, whatever Telegram's language says.
    async with open_shop(sqlite_url) as shop:
        ann = shop.emu.user(1001, first_name="Ann", language_code="en")
        card = await open_profile(ann, "ru")
        assert "Язык: Русский" in card["text"]
        await ann.press("🌐 Язык")
        await ann.wait_for_text("Выберите язык бота")
        await ann.press("English")
        card = await ann.wait_for_text("Language: English")
        assert "Balance: 0.00 USD" in card["text"]
        assert (await shop.store.get_user(ann.id)).language == "en"
        assert "Choose what you need" in (await start(ann, "/menu"))["text"]


async def test_first_language_comes_from_telegram(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        ivan = shop.emu.user(1003, first_name="Иван", language_code="ru-RU")
        assert "Добро пожаловать" in (await start(ivan))["text"]
        card = await open_profile(ivan, "ru")
        assert "Язык: Русский" in card["text"]


async def test_history_pages_newest_first(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, shop={"page_size": "3"}) as shop:
        ann = shop.emu.user(1001, first_name="Ann")
        await start(ann)
        await shop.store.credit_user(ann.id, Decimal("100"), kind="topup")
        for n in range(1, 8):
            item = await add_goods(shop.store, f"Item {n}", price=f"{n}.00", units=1)
            await bought(shop.store, ann.id, item, key=f"k{n}")
            await trio.sleep(0.002)  # distinct purchase times

        await open_profile(ann)
        await ann.press("🧾 Purchases")
        page = await ann.wait_for_text("You have made 7 purchases")
        seen: list[str] = []
        pages = [("1/3", ["Item 7", "Item 6", "Item 5"]), ("2/3", ["Item 4", "Item 3", "Item 2"]), ("3/3", ["Item 1"])]
        for position, titles in pages:
            rows = [label.split(" · ")[1] for label in labels(page) if " · " in label]
            assert rows == titles, (position, labels(page))
            assert position in labels(page)
            seen += rows
            if position != "3/3":
                await ann.press("›")
                page = await ann.wait_for(lambda m, p=position: f"{int(p[0]) + 1}/3" in labels(m))
        assert labels(page)[-1] == "‹ Back" and "›" not in labels(page)
        assert seen == [f"Item {n}" for n in range(7, 0, -1)]


async def test_history_empty_and_in_russian(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        ivan = shop.emu.user(1003, first_name="Ivan", language_code="ru")
        await start(ivan)
        await open_profile(ivan, "ru")
        await ivan.press("🧾 Покупки")
        await ivan.wait_for_text("Вы ещё ничего не покупали")
        item = await add_goods(shop.store, "Quest")
        await shop.store.credit_user(ivan.id, Decimal("50"), kind="topup")
        await bought(shop.store, ivan.id, item, key="i1")
        await bought(shop.store, ivan.id, item, key="i2")
        await ivan.press("‹ Назад")
        await ivan.wait_for_text("Профиль")
        await ivan.press("🧾 Покупки")
        await ivan.wait_for_text("У вас 2 покупки")


async def test_reopened_purchase_shows_details_and_sends_the_same_keys(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        item = await add_goods(shop.store, "Space <Quest>", price="7.50", units=3)
        ann = shop.emu.user(1001, first_name="Ann")
        await start(ann)
        await shop.store.credit_user(ann.id, Decimal("20"), kind="topup")
        delivered = await bought(shop.store, ann.id, item, quantity=2, key="ann-1")
        assert delivered.units == ("Space <Quest>-K1", "Space <Quest>-K2")

        await open_profile(ann)
        await ann.press("🧾 Purchases")
        listing = await ann.wait_for_text("You have made 1 purchase.")
        [row] = [label for label in labels(listing) if "Space <Quest>" in label]
        await ann.press(row)
        detail = await ann.wait_for_text("Quantity: 2")
        text = detail["text"]
        assert "Item: Space <Quest>" in text and "Total: 15.00 USD" in text and "Discount: 0.00 USD" in text
        assert delivered.purchase_id in text
        assert {"text": "⭐ Rate", "callback_data": f"rate:{item}"} in buttons(detail)
        goods = await ann.wait_for(lambda m: "Space <Quest>-K1" in (m.get("text") or ""))
        assert "Space <Quest>-K2" in goods["text"]
        assert (await shop.store.get_user(ann.id)).balance == Decimal("5.00")  # nothing charged again

        await ann.press("‹ Purchases", detail["message_id"])
        await ann.wait_for(lambda m: m["message_id"] == detail["message_id"] and "You have made 1 purchase." in m["text"])
        assert await shop.store.check_ledger() == []


async def test_foreign_purchase_ids_are_not_found_and_audited(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        item = await add_goods(shop.store, "Quest")
        ann, bob = shop.emu.user(1001, first_name="Ann"), shop.emu.user(1002, first_name="Bob")
        for user in (ann, bob):
            await start(user)
        await shop.store.credit_user(ann.id, Decimal("10"), kind="topup")
        secret = await bought(shop.store, ann.id, item, key="ann-1")
        ann_id = uuid.UUID(secret.purchase_id).hex

        forged = [ann_id, uuid.uuid4().hex, "not-a-uuid", ann_id.upper(), "' OR 1=1 --", "nul\x00byte"]
        for target in forged:
            answers = len(bob.callback_answers)
            await press_data(bob, f"purc:{target}:1")
            answer = await last_answer(bob, answers)
            assert answer["text"] == "Purchase not found." and answer["show_alert"], target
            # The conversation goes on: Bob sees his own (empty) history.
            await bob.wait_for_text("You have not bought anything yet")

        assert not any("Quest-K1" in (m.get("text") or "") or "Quest" in (m.get("text") or "") for m in bob.bot_messages())
        # Each try is audited; within a minute, Bob's tries past the fifth are counted on the fifth's row.
        events = list(reversed((await shop.store.audit_page(1, 20, security_only=True)).rows))
        assert [e.target for e in events] == [t.replace("\x00", "\ufffd") for t in forged[:5]]
        assert [e.count for e in events] == [1, 1, 1, 1, 2]
        assert {(e.actor_id, e.action, e.security) for e in events} == {(bob.id, "purchase.foreign_id", True)}
        # The owner still opens it.
        assert (await shop.store.purchase_of(ann.id, ann_id)) is not None
        assert (await shop.store.purchase_of(bob.id, ann_id)) is None


async def test_balance_history_names_each_change(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, shop={"page_size": "4"}) as shop:
        item = await add_goods(shop.store, "Quest <1>")
        ann = shop.emu.user(1001, first_name="Ann")
        ivan = shop.emu.user(1003, first_name="Ivan", language_code="ru")
        for user in (ann, ivan):
            await start(user)
            await shop.store.credit_user(user.id, Decimal("50"), kind="topup", reason="card 4242")
            await bought(shop.store, user.id, item, key=f"buy-{user.id}")
            await shop.store.credit_user(user.id, Decimal("10"), kind="refund", reason="Quest <1>")
            await shop.store.credit_user(user.id, Decimal("-5"), kind="adjustment", reason="internal note")
            await shop.store.credit_user(user.id, Decimal("3"), kind="promo", reason="WELCOME")
            await shop.store.credit_user(user.id, Decimal("1.25"), kind="referral", reason="Bob (1002)")

        await open_profile(ann)
        await ann.press("💰 Balance history")
        page = await ann.wait_for_text("Balance history")
        assert _entries(page["text"]) == [
            "+1.25 USD · <when>\nReferral reward: Bob (1002)",
            "+3.00 USD · <when>\nPromo code: WELCOME",
            "−5.00 USD · <when>\nAdjustment by the shop",
            "+10.00 USD · <when>\nRefund: Quest <1>",
        ]
        await ann.press("›")
        page = await ann.wait_for_text("Top-up")
        assert _entries(page["text"]) == ["−10.00 USD · <when>\nPurchase: Quest <1>", "+50.00 USD · <when>\nTop-up"]
        assert "card 4242" not in page["text"]

        await open_profile(ivan, "ru")
        await ivan.press("💰 История баланса")
        page = await ivan.wait_for_text("История баланса")
        text = page["text"]
        reasons = ["Реферальное вознаграждение: Bob (1002)", "Промокод: WELCOME", "Корректировка магазином", "Возврат: Quest <1>"]
        assert all(reason in text for reason in reasons), text
        assert "internal note" not in text
        await ivan.press("›")
        page = await ivan.wait_for_text("Пополнение")
        assert "Покупка: Quest <1>" in page["text"]
        assert re.search(r"−10,00 USD · \d\d\.\d\d\.\d{4} \d\d:\d\d UTC", page["text"])
        assert await shop.store.check_ledger() == []


def _entries(text: str) -> list[str]:
    """The entries of a balance history page, each moment replaced by <when>."""
    return [re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "<when>", entry) for entry in text.split("\n\n")[1:]]


async def test_forged_account_buttons_keep_the_conversation_usable(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        ann = shop.emu.user(1001, first_name="Ann")
        await start(ann)
        forged = ["hist:99999999999999999999999", "hist:-3", "ledg:99999999999999999999999", "purc::0", "purc:x:-1", "setlang:"]
        for data in forged:
            answers = len(ann.callback_answers)
            await press_data(ann, data)
            await last_answer(ann, answers)
        card = await open_profile(ann)
        assert "Balance: 0.00 USD" in card["text"]
