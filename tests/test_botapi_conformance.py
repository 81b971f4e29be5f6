"""The emulator answers like the Bot API, judged by aiogram 3 (issue 16): messages, keyboards, updates,
commands, chat members and webhooks. Each check makes the calls through aiogram's Bot over HTTP and asserts
what aiogram decoded; a field shape aiogram's models refuse fails the check with ClientDecodeError.
Payments and files: test_botapi_conformance_payments.py; error answers: test_botapi_conformance_errors.py.
"""

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeChatMember,
    BotCommandScopeDefault,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)

from tests.support.aiogram_judge import Telegram, open_telegram, started


@pytest.fixture
async def tg() -> AsyncIterator[Telegram]:
    async with open_telegram() as telegram:
        await started(telegram)
        yield telegram


def _keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=t.lower()) for t in labels]])


def _buttons(markup: InlineKeyboardMarkup | None) -> list[list[tuple[str, str | None]]]:
    """What the user sees and what a press sends (aiogram's models compare unequal on their defaults)."""
    assert markup is not None
    return [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard]


def _menu(commands: list[BotCommand]) -> list[tuple[str, str]]:
    return [(c.command, c.description) for c in commands]


async def test_get_me_is_the_bot(tg: Telegram) -> None:
    me = await tg.judge(lambda bot: bot.get_me())
    assert (me.id, me.is_bot, me.username, me.first_name) == (123456, True, "judged_bot", "Judged")


async def test_get_updates_decodes_a_message_and_a_button_press(tg: Telegram) -> None:
    sent = await tg.judge(lambda bot: bot.send_message(tg.ann.id, "Menu", reply_markup=_keyboard("Catalog")))
    await tg.ann.press("Catalog")
    updates = await tg.judge(lambda bot: bot.get_updates(timeout=0))
    start, press = updates
    assert start.message is not None and start.message.text == "/start"
    assert start.message.entities is not None and start.message.entities[0].type == "bot_command"
    assert press.callback_query is not None and press.callback_query.data == "catalog"
    assert press.callback_query.message is not None and press.callback_query.message.message_id == sent.message_id
    assert press.update_id == start.update_id + 1


async def test_get_updates_confirms_with_a_higher_offset(tg: Telegram) -> None:
    first = await tg.judge(lambda bot: bot.get_updates(timeout=0))
    await tg.ann.send_text("again")
    rest = await tg.judge(lambda bot: bot.get_updates(offset=first[-1].update_id + 1, timeout=0))
    assert [u.message.text for u in rest if u.message] == ["again"]


async def test_send_message_with_html_and_an_inline_keyboard(tg: Telegram) -> None:
    message = await tg.judge(
        lambda bot: bot.send_message(tg.ann.id, "<b>Keys</b> &amp; more", parse_mode="HTML", reply_markup=_keyboard("Buy"))
    )
    assert message.text == "Keys & more"
    assert message.entities is not None and [(e.type, e.offset, e.length) for e in message.entities] == [("bold", 0, 4)]
    assert _buttons(message.reply_markup) == [[("Buy", "buy")]]
    assert message.chat.id == tg.ann.id and message.from_user is not None and message.from_user.is_bot


async def test_send_message_keeps_link_preview_options(tg: Telegram) -> None:
    options = LinkPreviewOptions(is_disabled=True)
    message = await tg.judge(lambda bot: bot.send_message(tg.ann.id, "https://example.org", link_preview_options=options))
    assert message.link_preview_options is not None and message.link_preview_options.is_disabled is True


@pytest.mark.parametrize(
    "markup",
    [
        ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Catalog")]], resize_keyboard=True),
        ReplyKeyboardRemove(),
        ForceReply(input_field_placeholder="Your e-mail"),
    ],
    ids=["reply keyboard", "keyboard removal", "force reply"],
)
async def test_a_reply_keyboard_is_not_echoed_in_the_message(
    tg: Telegram, markup: ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply
) -> None:
    # Telegram's Message.reply_markup is only ever an inline keyboard: the others are the client's to draw.
    message = await tg.judge(lambda bot: bot.send_message(tg.ann.id, "Choose", reply_markup=markup))
    assert message.text == "Choose" and message.reply_markup is None


async def test_reply_parameters_fill_reply_to_message(tg: Telegram) -> None:
    asked = await tg.ann.send_text("Where is my key?")
    parameters = ReplyParameters(message_id=asked["message_id"])
    message = await tg.judge(lambda bot: bot.send_message(tg.ann.id, "Here", reply_parameters=parameters))
    assert message.reply_to_message is not None
    assert (message.reply_to_message.message_id, message.reply_to_message.text) == (asked["message_id"], "Where is my key?")


async def test_edit_message_text_and_its_keyboard(tg: Telegram) -> None:
    sent = await tg.judge(lambda bot: bot.send_message(tg.ann.id, "Cart: 1", reply_markup=_keyboard("More")))
    edited = await tg.judge(
        lambda bot: bot.edit_message_text(
            "Cart: 2", chat_id=tg.ann.id, message_id=sent.message_id, reply_markup=_keyboard("More", "Pay")
        )
    )
    assert not isinstance(edited, bool)
    assert edited.text == "Cart: 2" and edited.edit_date is not None
    assert _buttons(edited.reply_markup) == [[("More", "more"), ("Pay", "pay")]]
    bare = await tg.judge(
        lambda bot: bot.edit_message_reply_markup(chat_id=tg.ann.id, message_id=sent.message_id, reply_markup=None)
    )
    assert not isinstance(bare, bool) and bare.reply_markup is None


async def test_answer_callback_query_reaches_the_user(tg: Telegram) -> None:
    await tg.judge(lambda bot: bot.send_message(tg.ann.id, "Menu", reply_markup=_keyboard("Help")))
    query_id = await tg.ann.press("Help")
    assert await tg.judge(lambda bot: bot.answer_callback_query(query_id, text="Opening…", show_alert=True)) is True
    assert tg.ann.callback_answers[-1]["text"] == "Opening…"


async def test_delete_message(tg: Telegram) -> None:
    sent = await tg.judge(lambda bot: bot.send_message(tg.ann.id, "Soon gone"))
    assert await tg.judge(lambda bot: bot.delete_message(tg.ann.id, sent.message_id)) is True
    assert all(m["message_id"] != sent.message_id for m in tg.ann.transcript())


async def test_commands_per_scope_and_language(tg: Telegram) -> None:
    shop = [BotCommand(command="start", description="Open the shop")]
    staff = [BotCommand(command="admin", description="Staff panel")]
    assert await tg.judge(lambda bot: bot.set_my_commands(shop)) is True
    assert await tg.judge(lambda bot: bot.set_my_commands(staff, scope=BotCommandScopeChat(chat_id=tg.ann.id))) is True
    assert _menu(await tg.judge(lambda bot: bot.get_my_commands(scope=BotCommandScopeDefault()))) == _menu(shop)
    assert _menu(await tg.judge(lambda bot: bot.get_my_commands(scope=BotCommandScopeChat(chat_id=tg.ann.id)))) == _menu(staff)
    assert await tg.judge(lambda bot: bot.get_my_commands(language_code="de")) == []
    assert await tg.judge(lambda bot: bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=tg.ann.id))) is True
    assert await tg.judge(lambda bot: bot.get_my_commands(scope=BotCommandScopeChat(chat_id=tg.ann.id))) == []


async def test_command_menus_of_two_chats_are_kept_apart(tg: Telegram) -> None:
    bob = tg.emu.user(1002, "Bob")
    await bob.send_text("/start")
    group = tg.emu.group(-100500, title="Buyers")

    async def set_menus(bot: Bot) -> None:
        for user_id in (tg.ann.id, bob.id):
            menu = [BotCommand(command=f"u{user_id}", description="private menu")]
            await bot.set_my_commands(menu, scope=BotCommandScopeChat(chat_id=user_id))
            menu = [BotCommand(command=f"m{user_id}", description="member menu")]
            await bot.set_my_commands(menu, scope=BotCommandScopeChatMember(chat_id=group.id, user_id=user_id))

    await tg.judge(set_menus)
    ann_menu = await tg.judge(lambda bot: bot.get_my_commands(scope=BotCommandScopeChat(chat_id=tg.ann.id)))
    assert [c.command for c in ann_menu] == [f"u{tg.ann.id}"]
    ann_in_group = await tg.judge(
        lambda bot: bot.get_my_commands(scope=BotCommandScopeChatMember(chat_id=group.id, user_id=tg.ann.id))
    )
    assert [c.command for c in ann_in_group] == [f"m{tg.ann.id}"]


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        ("creator", ChatMemberOwner),
        ("administrator", ChatMemberAdministrator),
        ("member", ChatMemberMember),
        ("restricted", ChatMemberRestricted),
        ("left", ChatMemberLeft),
        ("kicked", ChatMemberBanned),
    ],
)
async def test_get_chat_member_of_each_status(tg: Telegram, status: str, kind: type) -> None:
    tg.emu.set_chat_member("@shop_news", tg.ann.id, status, is_member=True)
    member = await tg.judge(lambda bot: bot.get_chat_member("@shop_news", tg.ann.id))
    assert isinstance(member, kind) and member.user.id == tg.ann.id and member.status == status


async def test_webhook_set_read_and_deleted(tg: Telegram) -> None:
    url = "https://shop.example.org/telegram/webhook"
    assert await tg.judge(lambda bot: bot.set_webhook(url, secret_token="s3cret", max_connections=10)) is True
    info = await tg.judge(lambda bot: bot.get_webhook_info())
    assert (info.url, info.max_connections, info.has_custom_certificate) == (url, 10, False)
    assert await tg.judge(lambda bot: bot.delete_webhook(drop_pending_updates=True)) is True
    assert (await tg.judge(lambda bot: bot.get_webhook_info())).url == ""
