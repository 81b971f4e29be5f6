"""BotClient against the emulator: typed results, the error mapping, auto-retry, not-modified."""

import logging

import pytest
import trio

from telegram.client import BotClient
from telegram.config import TelegramSettings
from telegram.emulator import EmulatedUser, Emulator, Fault
from telegram.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NetworkError,
    NotFound,
    RetryAfter,
    ServerError,
    Unauthorized,
)
from telegram.types import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User

from .conftest import TOKEN, call_times

KEYBOARD = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Buy", callback_data="buy:1:1")]])


async def test_get_me_and_updates_are_typed(bot: BotClient, ann: EmulatedUser) -> None:
    me = await bot.get_me()
    assert isinstance(me, User) and me.is_bot and me.username == "shop_bot"
    updates = await bot.get_updates(timeout=0)
    assert [type(u) for u in updates] == [Update]
    message = updates[0].message
    assert message is not None and message.text == "/start" and message.from_ is not None
    assert message.from_.id == 1001 and message.chat.id == 1001
    # A higher offset confirms: the update is not delivered again.
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == []


async def test_long_poll_waits_in_virtual_time(bot: BotClient, ann: EmulatedUser, autojump_clock: trio.abc.Clock) -> None:
    await bot.get_updates(offset=None, timeout=0)
    start = trio.current_time()
    assert await bot.get_updates(offset=10**6, timeout=30) == []
    assert trio.current_time() - start == pytest.approx(30)


async def test_send_message_with_keyboard_and_callback_query(
    bot: BotClient, emu: Emulator, ann: EmulatedUser
) -> None:
    sent = await bot.send_message(1001, "<b>Shop</b>", reply_markup=KEYBOARD)
    assert isinstance(sent, Message) and sent.text == "Shop" and sent.reply_markup == KEYBOARD
    assert sent.entities is not None and sent.entities[0].type == "bold"
    await ann.press("Buy")
    updates = await bot.get_updates(timeout=0)
    query = updates[-1].callback_query
    assert query is not None and query.data == "buy:1:1" and query.message is not None
    assert query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query.id, text="Added") is True


async def test_send_document_is_multipart(bot: BotClient, ann: EmulatedUser) -> None:
    sent = await bot.send_document(1001, "key.txt", b"SECRET-KEY", caption="<i>your key</i>", reply_markup=KEYBOARD)
    assert sent.document is not None and sent.document.file_name == "key.txt" and sent.document.file_size == 10
    assert sent.caption == "your key" and sent.reply_markup == KEYBOARD


async def test_edits_delete_and_commands(bot: BotClient, ann: EmulatedUser) -> None:
    sent = await bot.send_message(1001, "one")
    edited = await bot.edit_message_text(1001, sent.message_id, "two", reply_markup=KEYBOARD)
    assert edited is not None and edited.text == "two"
    edited = await bot.edit_message_reply_markup(1001, sent.message_id, None)
    assert edited is not None and edited.reply_markup is None
    assert await bot.delete_message(1001, sent.message_id) is True
    assert await bot.set_my_commands([BotCommand(command="start", description="Open the shop")]) is True


async def test_not_modified_is_success(bot: BotClient, ann: EmulatedUser) -> None:
    sent = await bot.send_message(1001, "same", reply_markup=KEYBOARD)
    assert await bot.edit_message_text(1001, sent.message_id, "same", reply_markup=KEYBOARD) is None
    assert await bot.edit_message_reply_markup(1001, sent.message_id, KEYBOARD) is None
    # Other 400s on edits still raise.
    with pytest.raises(BadRequest, match="message to edit not found") as e:
        await bot.edit_message_text(1001, 999_999, "x")
    assert not e.value.not_modified


# --- the error mapping, one class per answer --------------------------------------------------------


async def test_bad_request(bot: BotClient, ann: EmulatedUser) -> None:
    with pytest.raises(BadRequest) as e:
        await bot.send_message(1001, "")
    assert e.value.error_code == 400 and e.value.method == "sendMessage"
    assert e.value.description == "Bad Request: message text is empty"


async def test_unknown_chat_is_bad_request(bot: BotClient, emu: Emulator) -> None:
    with pytest.raises(BadRequest, match="chat not found"):
        await bot.send_message(4242, "hello")


async def test_forbidden_when_blocked(bot: BotClient, ann: EmulatedUser) -> None:
    ann.block_bot()
    with pytest.raises(Forbidden, match="bot was blocked by the user") as e:
        await bot.send_message(1001, "hello")
    assert e.value.error_code == 403


async def test_unauthorized(emu: Emulator) -> None:
    settings = TelegramSettings(token="999:WRONG", owner_id=1)
    async with BotClient(settings, transport=emu.transport()) as bot:
        with pytest.raises(Unauthorized) as e:
            await bot.get_me()
    assert e.value.error_code == 401 and "WRONG" not in str(e.value)


async def test_not_found(bot: BotClient) -> None:
    with pytest.raises(NotFound) as e:
        await bot.call("noSuchMethod", {})
    assert e.value.error_code == 404


async def test_conflict_when_webhook_is_set(bot: BotClient) -> None:
    assert await bot.call("setWebhook", {"url": "https://example.com/hook"}) is True
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates(timeout=0)


async def test_retry_after_over_the_cap_raises(emu: Emulator, ann: EmulatedUser, autojump_clock: trio.abc.Clock) -> None:
    settings = TelegramSettings(token=TOKEN, owner_id=1, max_retry_after=10)
    emu.faults.inject(Fault(method="sendMessage", kind="retry_after", retry_after=60))
    async with BotClient(settings, transport=emu.transport()) as bot:
        start = trio.current_time()
        with pytest.raises(RetryAfter) as e:
            await bot.send_message(1001, "hi")
    assert e.value.retry_after == 60 and e.value.error_code == 429
    assert trio.current_time() - start < 1  # it did not wait for a pause it will not honour
    assert len(call_times(emu, "sendMessage")) == 1


async def test_server_errors_past_max_retries_raise(
    bot: BotClient, emu: Emulator, ann: EmulatedUser, settings: TelegramSettings, autojump_clock: trio.abc.Clock
) -> None:
    emu.faults.inject(Fault(method="sendMessage", kind="server_error", status=502, times=settings.max_retries + 1))
    with pytest.raises(ServerError) as e:
        await bot.send_message(1001, "hi")
    assert e.value.error_code == 502
    assert len(call_times(emu, "sendMessage")) == settings.max_retries + 1
    assert ann.bot_messages() == []


async def test_bad_request_is_not_retried(bot: BotClient, emu: Emulator, ann: EmulatedUser) -> None:
    with pytest.raises(BadRequest):
        await bot.send_message(1001, "x" * 5000)
    assert len(call_times(emu, "sendMessage")) == 1


# --- auto-retry ------------------------------------------------------------------------------------


async def test_429_is_obeyed_and_not_retried_early(
    bot: BotClient, emu: Emulator, ann: EmulatedUser, autojump_clock: trio.abc.Clock
) -> None:
    emu.faults.inject(Fault(method="sendMessage", kind="retry_after", retry_after=3, times=1))
    sent = await bot.send_message(1001, "after the flood")
    first, second = call_times(emu, "sendMessage")
    assert second - first >= 3
    assert second - first == pytest.approx(3, abs=0.01)  # ...and not much later either
    assert sent.text == "after the flood"
    assert [m["text"] for m in ann.bot_messages()] == ["after the flood"]


async def test_5xx_burst_is_survived(
    bot: BotClient, emu: Emulator, ann: EmulatedUser, autojump_clock: trio.abc.Clock
) -> None:
    emu.faults.inject(Fault(method="sendMessage", kind="server_error", status=502, times=3))
    await bot.send_message(1001, "made it")
    times = call_times(emu, "sendMessage")
    assert len(times) == 4
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert gaps == sorted(gaps) and gaps[0] > 0  # exponential backoff: growing, never immediate
    assert [m["text"] for m in ann.bot_messages()] == ["made it"]


@pytest.mark.parametrize("kind", ["drop", "timeout"])
async def test_lost_answer_is_retried(
    bot: BotClient, emu: Emulator, ann: EmulatedUser, kind: str, autojump_clock: trio.abc.Clock
) -> None:
    emu.faults.inject(Fault(method="getMe", kind=kind))
    me = await bot.get_me()
    assert me.username == "shop_bot"
    assert len(call_times(emu, "getMe")) == 2


async def test_network_error_never_shows_the_token(
    bot: BotClient, emu: Emulator, ann: EmulatedUser, settings: TelegramSettings,
    autojump_clock: trio.abc.Clock, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # The httpx logger's own level too: the CLI, run in process by other tests, quiets it to WARNING.
    caplog.set_level(logging.DEBUG, logger="httpx")
    await bot.get_me()  # a successful request, logged at debug level where anything logs it
    emu.faults.inject(Fault(method="getMe", kind="drop", times=settings.max_retries + 1))
    with pytest.raises(NetworkError) as e:
        await bot.get_me()
    assert e.value.method == "getMe" and "RemoteProtocolError" in e.value.reason
    texts = [str(e.value), repr(e.value), str(e.value.__cause__), repr(bot), caplog.text]
    assert all(TOKEN not in text for text in texts)
