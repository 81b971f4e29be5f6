"""More methods than the shop calls, judged by aiogram 3 (issue 16): what other bots call every day (chat
actions, captions, copies and forwards, pins, reactions, getChat, descriptions, the menu button, the bot's
Stars). See test_botapi_conformance.py for the harness.
"""

from collections.abc import AsyncIterator

import httpx
import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramUnauthorizedError
from aiogram.types import (
    BufferedInputFile,
    MenuButtonCommands,
    MenuButtonWebApp,
    MessageOriginUser,
    ReactionTypeEmoji,
    WebAppInfo,
)

from tests.support.aiogram_judge import Telegram, invoice, open_telegram, paid, started


@pytest.fixture
async def tg() -> AsyncIterator[Telegram]:
    async with open_telegram() as telegram:
        await started(telegram)
        yield telegram


async def test_send_chat_action(tg: Telegram) -> None:
    assert await tg.judge(lambda bot: bot.send_chat_action(tg.ann.id, "typing")) is True
    with pytest.raises(TelegramBadRequest) as caught:
        await tg.judge(lambda bot: bot.send_chat_action(tg.ann.id, "dancing"))
    assert caught.value.message == "Bad Request: wrong parameter action in request"


async def test_edit_message_caption(tg: Telegram) -> None:
    sent = await tg.judge(lambda bot: bot.send_document(tg.ann.id, BufferedInputFile(b"k", "k.txt"), caption="Old"))
    edited = await tg.judge(
        lambda bot: bot.edit_message_caption(
            chat_id=tg.ann.id, message_id=sent.message_id, caption="<b>New</b>", parse_mode="HTML"
        )
    )
    assert not isinstance(edited, bool) and edited.caption == "New" and edited.document is not None
    text = await tg.judge(lambda bot: bot.send_message(tg.ann.id, "plain"))
    with pytest.raises(TelegramBadRequest) as caught:
        await tg.judge(lambda bot: bot.edit_message_caption(chat_id=tg.ann.id, message_id=text.message_id, caption="x"))
    assert caught.value.message == "Bad Request: there is no caption in the message to edit"


async def test_copy_and_forward_a_users_message(tg: Telegram) -> None:
    asked = await tg.ann.send_text("My order 42")
    copied = await tg.judge(lambda bot: bot.copy_message(tg.ann.id, tg.ann.id, asked["message_id"]))
    assert tg.ann.transcript()[-1]["message_id"] == copied.message_id and tg.ann.transcript()[-1]["text"] == "My order 42"
    forwarded = await tg.judge(lambda bot: bot.forward_message(tg.ann.id, tg.ann.id, asked["message_id"]))
    assert forwarded.text == "My order 42" and isinstance(forwarded.forward_origin, MessageOriginUser)
    assert forwarded.forward_origin.sender_user.id == tg.ann.id
    with pytest.raises(TelegramBadRequest) as caught:
        await tg.judge(lambda bot: bot.copy_message(tg.ann.id, tg.ann.id, 999))
    assert caught.value.message == "Bad Request: message to copy not found"


async def test_delete_several_messages(tg: Telegram) -> None:
    first = await tg.judge(lambda bot: bot.send_message(tg.ann.id, "one"))
    second = await tg.judge(lambda bot: bot.send_message(tg.ann.id, "two"))
    assert await tg.judge(lambda bot: bot.delete_messages(tg.ann.id, [first.message_id, second.message_id, 999])) is True
    assert [m["text"] for m in tg.ann.transcript()] == ["/start"]


async def test_pins_and_get_chat(tg: Telegram) -> None:
    notice = await tg.judge(lambda bot: bot.send_message(tg.ann.id, "Shop rules"))
    assert await tg.judge(lambda bot: bot.pin_chat_message(tg.ann.id, notice.message_id)) is True
    chat = await tg.judge(lambda bot: bot.get_chat(tg.ann.id))
    assert (chat.id, chat.type, chat.first_name, chat.username) == (tg.ann.id, "private", "Ann", "ann")
    assert chat.pinned_message is not None and chat.pinned_message.text == "Shop rules"
    assert await tg.judge(lambda bot: bot.unpin_chat_message(tg.ann.id)) is True
    assert (await tg.judge(lambda bot: bot.get_chat(tg.ann.id))).pinned_message is None
    tg.emu.channel("@shop_news", title="Shop news")
    channel = await tg.judge(lambda bot: bot.get_chat("@shop_news"))
    assert (channel.type, channel.title, channel.username) == ("channel", "Shop news", "shop_news")


async def test_set_message_reaction(tg: Telegram) -> None:
    asked = await tg.ann.send_text("Thanks!")
    heart = ReactionTypeEmoji(emoji="❤")
    assert await tg.judge(lambda bot: bot.set_message_reaction(tg.ann.id, asked["message_id"], [heart])) is True
    assert tg.emu.chat(tg.bot, tg.ann.id).reactions[asked["message_id"]] == [{"type": "emoji", "emoji": "❤"}]


async def test_descriptions_by_language(tg: Telegram) -> None:
    assert await tg.judge(lambda bot: bot.set_my_description("Keys for games, delivered at once")) is True
    assert await tg.judge(lambda bot: bot.set_my_short_description("Game keys", language_code="en")) is True
    assert (await tg.judge(lambda bot: bot.get_my_description())).description == "Keys for games, delivered at once"
    assert (await tg.judge(lambda bot: bot.get_my_short_description(language_code="en"))).short_description == "Game keys"
    assert (await tg.judge(lambda bot: bot.get_my_short_description())).short_description == ""


async def test_menu_button_per_chat(tg: Telegram) -> None:
    assert isinstance(await tg.judge(lambda bot: bot.get_chat_menu_button()), MenuButtonCommands)
    shop = MenuButtonWebApp(text="Shop", web_app=WebAppInfo(url="https://shop.example.org"))
    assert await tg.judge(lambda bot: bot.set_chat_menu_button(chat_id=tg.ann.id, menu_button=shop)) is True
    button = await tg.judge(lambda bot: bot.get_chat_menu_button(chat_id=tg.ann.id))
    assert isinstance(button, MenuButtonWebApp) and button.web_app.url == "https://shop.example.org"
    assert isinstance(await tg.judge(lambda bot: bot.get_chat_menu_button()), MenuButtonCommands)


async def test_star_balance_counts_payments_less_refunds(tg: Telegram) -> None:
    assert (await tg.judge(lambda bot: bot.get_my_star_balance())).amount == 0
    await tg.judge(lambda bot: invoice(bot, tg.ann.id, 50))
    await paid(tg)
    await tg.judge(lambda bot: invoice(bot, tg.ann.id, 20))
    outcome, _ = await paid(tg)
    assert (await tg.judge(lambda bot: bot.get_my_star_balance())).amount == 70
    charge = outcome.charge_id
    assert charge is not None
    await tg.judge(lambda bot: bot.refund_star_payment(tg.ann.id, charge))
    assert (await tg.judge(lambda bot: bot.get_my_star_balance())).amount == 50


async def test_inline_and_shipping_queries_are_never_open(tg: Telegram) -> None:
    for call in (
        lambda bot: bot.answer_inline_query("123", results=[]),
        lambda bot: bot.answer_shipping_query("123", ok=False, error_message="We ship nothing: keys come by chat"),
    ):
        with pytest.raises(TelegramBadRequest) as caught:
            await tg.judge(call)
        assert caught.value.message == "Bad Request: query is too old and response timeout expired or query ID is invalid"


async def test_user_profile_photos_and_invite_links(tg: Telegram) -> None:
    photos = await tg.judge(lambda bot: bot.get_user_profile_photos(tg.ann.id))
    assert (photos.total_count, photos.photos) == (0, [])
    group = tg.emu.group(-100777, title="Buyers")
    link = await tg.judge(lambda bot: bot.create_chat_invite_link(group.id, name="Spring sale", member_limit=10))
    assert link.invite_link.startswith("https://t.me/+") and link.creator.id == tg.bot.id
    assert (link.name, link.member_limit, link.is_revoked) == ("Spring sale", 10, False)
    with pytest.raises(TelegramBadRequest) as caught:
        await tg.judge(lambda bot: bot.create_chat_invite_link(tg.ann.id))
    assert caught.value.message == "Bad Request: chat not found"


async def test_the_call_log_says_which_bot_called(tg: Telegram) -> None:
    other = tg.emu.create_bot("777:OTHER", "other_bot", "Other")
    await tg.judge(lambda bot: bot.get_me())
    await tg.judge(lambda bot: bot.get_me(), token=other.token)
    with pytest.raises(TelegramUnauthorizedError):
        await tg.judge(lambda bot: bot.get_me(), token="999:NOBODY")
    async with httpx.AsyncClient() as client:
        calls = (await client.get(f"{tg.base_url}/_emulator/calls")).json()
    assert [(c["method"], c["bot"]) for c in calls[-3:]] == [("getMe", tg.bot.id), ("getMe", other.id), ("getMe", None)]
    assert [method for _, method, _ in tg.emu.calls[-3:]] == ["getMe"] * 3  # each still (time, method, params)
