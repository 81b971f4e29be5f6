"""The required channel: non-members are shown the way in, members pass at the cost of one
getChatMember every few minutes, and a gate Telegram cannot check lets everyone through."""

import logging

import pytest

from telegram.emulator import Emulator
from telegram.routing.gate import in_channel
from telegram.types import ChatMember, User
from tests.support.chat import last_answer
from tests.support.shop import OWNER_ID, open_shop

CHANNEL = {"required_channel": "@shop_news"}
FAST = {"chat_rate": 100.0, "chat_burst": 100}


def member_checks(emu: Emulator) -> int:
    return sum(1 for _, method, _ in emu.calls if method == "getChatMember")


async def test_a_non_member_joins_and_is_let_in(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, shop=CHANNEL, **FAST) as shop:
        ann = shop.emu.user(1001, first_name="Ann")
        shop.emu.set_chat_member("@shop_news", ann.id, "left")
        await ann.send_text("/start")  # open to everyone
        await ann.wait_for_text("Welcome")
        await ann.press("🛍 Shop")
        gate = await ann.wait_for_text("please join our channel first")
        buttons = [b for row in gate["reply_markup"]["inline_keyboard"] for b in row]
        assert buttons[0] == {"text": "📢 Join the channel", "url": "https://t.me/shop_news"}
        assert buttons[1]["text"] == "✅ I've joined"

        before = len(ann.callback_answers)
        await ann.press("✅ I've joined")
        answer = await last_answer(ann, before)
        assert answer["text"] == "You are not in the channel yet. Join it, then press “I've joined” again." and answer["show_alert"]

        shop.emu.set_chat_member("@shop_news", ann.id, "member")
        before = len(ann.callback_answers)
        await ann.press("✅ I've joined")
        assert (await last_answer(ann, before))["text"] == "Thanks for joining!"
        await ann.wait_for_text("Choose what you need below.")
        await ann.send_text("/menu")
        await ann.wait_for(lambda m: m["text"].endswith("Choose what you need below.") and m["message_id"] > gate["message_id"])


async def test_pages_stay_open_to_non_members_in_both_languages(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, shop=CHANNEL, **FAST) as shop:
        ivan = shop.emu.user(1002, first_name="Иван", language_code="ru")
        shop.emu.set_chat_member("@shop_news", ivan.id, "kicked")
        for command, expected in (("/help", "Помощь"), ("/terms", "Условия продажи"), ("/privacy", "Политика"),
                                  ("/paysupport", "Помощь с оплатой"), ("/start", "Добро пожаловать")):
            await ivan.send_text(command)
            await ivan.wait_for_text(expected)
        assert member_checks(shop.emu) == 0
        for text in ("/menu", "hello"):
            await ivan.send_text(text)
        await ivan.wait_for(lambda _: sum(m["text"].startswith("Чтобы пользоваться") for m in ivan.bot_messages()) == 2)
        join = ivan.bot_messages()[-1]["reply_markup"]["inline_keyboard"]
        assert [b["text"] for row in join for b in row] == ["📢 Перейти в канал", "✅ Я подписался"]


async def test_a_member_is_checked_once_not_on_every_update(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, shop=CHANNEL, **FAST) as shop:
        bob = shop.emu.user(1003, first_name="Bob")
        shop.emu.set_chat_member("@shop_news", bob.id, "administrator")
        for _ in range(5):
            await bob.send_text("/menu")
        await bob.wait_for(lambda _: sum("Choose what" in m["text"] for m in bob.bot_messages()) == 5)
        assert member_checks(shop.emu) == 1
        # The shop's owner is never gated, in the channel or not.
        owner = shop.emu.user(OWNER_ID, first_name="Owner")
        await owner.send_text("/menu")
        await owner.wait_for_text("Choose what you need below.")
        assert member_checks(shop.emu) == 1


async def test_a_gate_telegram_cannot_check_lets_users_through(sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    async with open_shop(sqlite_url, shop=CHANNEL, **FAST) as shop:
        shop.emu.channel("@shop_news").bot_is_admin = False  # "member list is inaccessible"
        cy = shop.emu.user(1004, first_name="Cy")
        with caplog.at_level(logging.WARNING, logger="telegram.routing.gate"):
            await cy.send_text("/menu")
            await cy.wait_for_text("Choose what you need below.")
        assert "member list is inaccessible" in caplog.text and "letting user 1004 in" in caplog.text


async def test_a_private_channel_shows_its_invite_link(sqlite_url: str) -> None:
    shop_keys = {"required_channel": "-1001234567890", "required_channel_link": "https://t.me/+invite"}
    async with open_shop(sqlite_url, shop=shop_keys, **FAST) as shop:
        shop.emu.set_chat_member(-1001234567890, 1005, "restricted", is_member=False)
        dee = shop.emu.user(1005, first_name="Dee")
        await dee.send_text("/menu")
        gate = await dee.wait_for_text("please join our channel first")
        assert gate["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://t.me/+invite"
        asked = [params["chat_id"] for _, method, params in shop.emu.calls if method == "getChatMember"]
        assert asked == [-1001234567890]


@pytest.mark.parametrize(
    ("status", "is_member", "admitted"),
    [("creator", None, True), ("administrator", None, True), ("member", None, True), ("restricted", True, True),
     ("restricted", False, False), ("left", None, False), ("kicked", None, False)],
)
def test_who_counts_as_in_the_channel(status: str, is_member: bool | None, admitted: bool) -> None:
    user = User(id=1, is_bot=False, first_name="A")
    assert in_channel(ChatMember(status=status, user=user, is_member=is_member)) is admitted
