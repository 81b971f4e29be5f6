"""Typed input is bounded before it reaches the database, and answered like any other refusal: a
promo code longer than its column at /redeem and at the order's prompt is an unknown code (the
question stays open, nothing changes); a stock line longer than a unit; a forged button naming an
impossible code. Log lines quote what people typed shortened, the cut marked."""

import logging
from decimal import Decimal

import pytest

from storage import shortened
from telegram.screens.admin.callbacks import DisablePromo
from telegram.screens.admin.stock import UNIT_MAX
from tests.support.chat import labels, last_answer, open_card, press_data, press_when_shown, reply_to
from tests.support.shop import OWNER_ID, open_shop
from tests.support.store import redemptions, shop_with_items
from tests.support.waiting import eventually

UNKNOWN = "There is no such promo code. Send another code or press Cancel."


def test_shortened_keeps_short_text_and_marks_a_cut() -> None:
    assert shortened("GIFT5") == "GIFT5"
    assert shortened("x" * 100) == "x" * 100
    assert shortened("x" * 5000) == "x" * 100 + "…(+4900 chars)"
    assert shortened(ValueError("y" * 12), limit=10) == "y" * 10 + "…(+2 chars)"


async def test_a_code_longer_than_any_code_is_unknown_and_changes_nothing(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        await shop_with_items(shop.store, users=range(1101, 1102), balance="50.00")
        await shop.store.create_promo("GIFT5", "credit", Decimal("5.00"))
        await shop.store.create_promo("SAVE20", "percent", Decimal("20"))
        ann = shop.emu.user(1101, first_name="Ann")
        await ann.send_text("/start")
        await ann.wait_for_text("Welcome")

        # /redeem with 33 characters: refused like an unknown code, and the bot still waits for one.
        refused = await reply_to(ann, "/redeem " + "G" * 33)
        assert refused["text"] == UNKNOWN and labels(refused) == ["Cancel"]
        again = await reply_to(ann, "gift5" + "5" * 28)
        assert again["text"] == UNKNOWN
        assert (await shop.store.get_user(1101)).balance == Decimal("50.00")
        credited = await reply_to(ann, "gift5")
        assert credited["text"].startswith("🎁 Promo code GIFT5 redeemed: +5.00 USD")

        # The order's promo prompt: the same refusal, the order unchanged, and the question open.
        await open_card(ann, "Games (2)", "Quest · 3.33 USD")
        await ann.press("Buy")
        await press_when_shown(ann, "3")
        await press_when_shown(ann, "🎟 Promo code")
        await ann.wait_for_text("Send your promo code.")
        refused = await reply_to(ann, "SAVE20" + "0" * 27)
        assert refused["text"] == UNKNOWN and labels(refused) == ["Cancel"]
        confirm = await reply_to(ann, "save20")
        assert "Promo code SAVE20: −2.00 USD" in confirm["text"] and "Total: 7.99 USD" in confirm["text"]

        assert (await shop.store.get_user(1101)).balance == Decimal("55.00")
        assert await redemptions(shop.store, "SAVE20") == []
        assert {p.code: p.uses for p in (await shop.store.list_promos()).rows} == {"GIFT5": 1, "SAVE20": 0}
        assert await shop.store.check_ledger() == []


async def test_five_thousand_typed_characters_never_reach_a_log_line_whole(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    typed = "A" * 5000
    async with open_shop(sqlite_url) as shop:
        await shop_with_items(shop.store, users=range(1101, 1102), balance="50.00")
        ann = shop.emu.user(1101, first_name="Ann")
        await ann.send_text("/start")
        await ann.wait_for_text("Welcome")
        await reply_to(ann, "/redeem " + typed)
        await open_card(ann, "Games (2)", "Quest · 3.33 USD")
        await ann.press("Buy")
        await press_when_shown(ann, "1")
        await press_when_shown(ann, "🎟 Promo code")
        await ann.wait_for_text("Send your promo code.")
        await reply_to(ann, typed)

        # A staff member's picture reference Telegram refuses is logged, shortened.
        photo = "p" * 500
        await shop.store.update_item(
            (await shop.store.search_items("Pong")).rows[0].id, actor_id=None, photo=photo
        )
        await open_card(ann, "Games (2)", "Retro (1)", "Pong · 10.00 USD")
        await eventually(lambda: any("not sent" in r.getMessage() for r in caplog.records), what="the photo's warning")
    assert not [r.getMessage()[:200] for r in caplog.records if "A" * 200 in r.getMessage() or len(r.getMessage()) > 1000]
    (warning,) = [r.getMessage() for r in caplog.records if "not sent" in r.getMessage()]
    assert repr(shortened(photo)) in warning and photo not in warning


async def test_a_stock_line_longer_than_a_unit_refuses_the_list(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, chat_rate=100.0, chat_burst=100) as shop:
        owner = shop.emu.user(OWNER_ID, "Owner")
        await reply_to(owner, "/start")
        await shop.store.add_category("Games")
        quest = await shop.store.add_item("Games", "Quest", Decimal("2.00"))
        await reply_to(owner, "/admin")
        await press_when_shown(owner, "📦 Stock")
        await press_when_shown(owner, "Quest · 0 left")
        await press_when_shown(owner, "➕ Add units")
        await owner.wait_for_text("Send the units")
        sent = await owner.send_document("keys.txt", ("K1\n" + "x" * (UNIT_MAX + 1) + "\nK3\n").encode())
        refused = await owner.wait_for(lambda m: m["message_id"] > sent["message_id"])
        assert refused["text"] == (
            f"Line 2 is longer than {UNIT_MAX} characters: that is not one unit. Fix it and send the units again, or cancel."
        )
        assert (await shop.store.unsold_units(quest.id, 1, 10)).total == 0
        # The question stays open: the list sent again, fixed, is taken.
        fixed = await owner.send_document("keys.txt", b"K1\nK2\nK3\n")
        done = await owner.wait_for(lambda m: m["message_id"] > fixed["message_id"] and "Units added" in (m.get("text") or ""))
        assert done["text"] == "✅ Units added: 3. Skipped: duplicates 0, blank lines 0."


async def test_a_forged_button_naming_an_impossible_code_changes_nothing(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        await shop.store.create_promo("SAVE20", "percent", Decimal("20"))
        owner = shop.emu.user(OWNER_ID, "Owner")
        await reply_to(owner, "/admin")
        await press_when_shown(owner, "🏷 Promo codes")
        await owner.wait_for_text("SAVE20")
        before = len(owner.callback_answers)
        await press_data(owner, DisablePromo(code="S" * 40, page=1).pack())
        answer = await last_answer(owner, before)
        assert answer["text"] == "That code is unknown or already disabled: nothing changed." and answer["show_alert"]
        assert [p.active for p in (await shop.store.list_promos()).rows] == [True]


async def test_staff_texts_too_long_for_their_column_are_refused_in_their_language(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, chat_rate=100.0, chat_burst=100) as shop:
        owner = shop.emu.user(OWNER_ID, "Владелец", language_code="ru")
        await reply_to(owner, "/start")
        await shop.store.add_category("Games")
        quest = await shop.store.add_item("Games", "Quest", Decimal("2.00"))
        await reply_to(owner, "/admin")
        await press_when_shown(owner, "🗂 Каталог")
        await press_when_shown(owner, "📁 Games (1)")
        await press_when_shown(owner, "✏️ Переименовать")
        await owner.wait_for_text("Отправьте название категории")
        name = await reply_to(owner, "G" * 129)
        assert name["text"] == "Название — от 1 до 128 символов. Отправьте ещё раз или отмените."
        await reply_to(owner, "Игры")
        await press_when_shown(owner, "Quest · 2,00 USD · осталось 0")
        await press_when_shown(owner, "✏️ Название")
        await owner.wait_for_text("Отправьте название товара")
        title = await reply_to(owner, "Q" * 129)
        assert title["text"] == "Название — от 1 до 128 символов. Отправьте ещё раз или отмените."
        await reply_to(owner, "Квест")
        await press_when_shown(owner, "🖼 Картинка")
        await owner.wait_for_text("Отправьте картинку")
        photo = await reply_to(owner, "not a picture at all")
        assert photo["text"].startswith("Это не картинка: отправьте фото, ссылку https://")
        assert labels(photo) == ["✖️ Отмена"]
        item = await shop.store.admin_item(quest.id)
        assert item is not None and (item.title, item.photo) == ("Квест", None)
        assert [c.name for c in (await shop.store.category_tree(None)).children] == ["Игры"]  # type: ignore[union-attr]
