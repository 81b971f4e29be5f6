"""The emulator's error answers, judged by aiogram 3 (issue 16): each maps to the exception class aiogram
raises for Telegram's own answer, with Telegram's exact text (../shared/botapi/README.md).
"""

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from telegram.emulator import Fault
from tests.support.aiogram_judge import Telegram, invoice, open_telegram, paid, started

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a "
    "current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


@pytest.fixture
async def tg() -> AsyncIterator[Telegram]:
    async with open_telegram() as telegram:
        await started(telegram)
        yield telegram


async def _refused[E: TelegramAPIError](tg: Telegram, kind: type[E], call: Callable[[Bot], Awaitable[object]]) -> E:
    with pytest.raises(kind) as caught:
        await tg.judge(call)
    return caught.value


@pytest.mark.parametrize(
    ("text", "description"),
    [
        (" ", "Bad Request: message text is empty"),
        ("x" * 4097, "Bad Request: message is too long"),
    ],
    ids=["empty", "too long"],
)
async def test_send_message_text_limits(tg: Telegram, text: str, description: str) -> None:
    refused = await _refused(tg, TelegramBadRequest, lambda bot: bot.send_message(tg.ann.id, text))
    assert refused.message == description


async def test_html_that_does_not_parse_names_its_byte_offset(tg: Telegram) -> None:
    refused = await _refused(tg, TelegramBadRequest, lambda bot: bot.send_message(tg.ann.id, "Ключ <b>1", parse_mode="HTML"))
    assert refused.message == "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    refused = await _refused(tg, TelegramBadRequest, lambda bot: bot.send_message(tg.ann.id, "Ключ <x>1</x>", parse_mode="HTML"))
    assert refused.message == 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 9'


async def test_callback_data_over_64_bytes(tg: Telegram) -> None:
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Buy", callback_data="é" * 33)]])
    refused = await _refused(tg, TelegramBadRequest, lambda bot: bot.send_message(tg.ann.id, "Menu", reply_markup=markup))
    assert refused.message == "Bad Request: BUTTON_DATA_INVALID"


async def test_chat_not_found(tg: Telegram) -> None:
    refused = await _refused(tg, TelegramBadRequest, lambda bot: bot.send_message(424242, "Hello"))
    assert refused.message == "Bad Request: chat not found"


async def test_edits_of_a_missing_or_unchanged_message(tg: Telegram) -> None:
    refused = await _refused(tg, TelegramBadRequest, lambda bot: bot.edit_message_text("x", chat_id=tg.ann.id, message_id=999))
    assert refused.message == "Bad Request: message to edit not found"
    sent = await tg.judge(lambda bot: bot.send_message(tg.ann.id, "Same"))
    refused = await _refused(
        tg, TelegramBadRequest, lambda bot: bot.edit_message_text("Same", chat_id=tg.ann.id, message_id=sent.message_id)
    )
    assert refused.message == NOT_MODIFIED


async def test_late_or_unknown_query_answers_are_too_old(tg: Telegram) -> None:
    refused = await _refused(tg, TelegramBadRequest, lambda bot: bot.answer_callback_query("12345"))
    assert refused.message == QUERY_TOO_OLD
    refused = await _refused(tg, TelegramBadRequest, lambda bot: bot.answer_pre_checkout_query("12345", ok=True))
    assert refused.message == QUERY_TOO_OLD


async def test_a_second_refund_of_one_charge(tg: Telegram) -> None:
    await tg.judge(lambda bot: invoice(bot, tg.ann.id))
    outcome, _ = await paid(tg)
    charge = outcome.charge_id
    assert charge is not None
    assert await tg.judge(lambda bot: bot.refund_star_payment(tg.ann.id, charge)) is True
    refused = await _refused(tg, TelegramBadRequest, lambda bot: bot.refund_star_payment(tg.ann.id, charge))
    assert refused.message == "Bad Request: CHARGE_ALREADY_REFUNDED"


async def test_too_many_requests_says_when_to_retry(tg: Telegram) -> None:
    tg.emu.faults.inject(Fault(method="sendMessage", kind="retry_after", retry_after=7))
    refused = await _refused(tg, TelegramRetryAfter, lambda bot: bot.send_message(tg.ann.id, "Hi"))
    # aiogram puts its own sentence first and Telegram's description after it.
    assert refused.retry_after == 7 and refused.message.endswith("Original description: Too Many Requests: retry after 7")


async def test_a_blocked_bot_is_forbidden(tg: Telegram) -> None:
    tg.ann.block_bot()
    refused = await _refused(tg, TelegramForbiddenError, lambda bot: bot.send_message(tg.ann.id, "Hi"))
    assert refused.message == "Forbidden: bot was blocked by the user"


async def test_a_user_who_never_started_the_bot_is_forbidden() -> None:
    async with open_telegram() as tg:
        tg.emu.user(1002, "Bob")
        refused = await _refused(tg, TelegramForbiddenError, lambda bot: bot.send_message(1002, "Hi"))
    assert refused.message == "Forbidden: bot can't initiate conversation with a user"


async def test_an_unknown_token_is_unauthorized(tg: Telegram) -> None:
    with pytest.raises(TelegramUnauthorizedError) as caught:
        await tg.judge(lambda bot: bot.get_me(), token="999:UNKNOWN")
    assert caught.value.message == "Unauthorized: invalid token specified"


async def test_get_updates_while_a_webhook_is_set_conflicts(tg: Telegram) -> None:
    await tg.judge(lambda bot: bot.set_webhook("https://shop.example.org/telegram/webhook"))
    refused = await _refused(tg, TelegramConflictError, lambda bot: bot.get_updates(timeout=0))
    assert refused.message == (
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
    )


async def test_a_server_error_is_one(tg: Telegram) -> None:
    tg.emu.faults.inject(Fault(method="getMe", kind="server_error", status=502))
    refused = await _refused(tg, TelegramServerError, lambda bot: bot.get_me())
    assert refused.message == "Bad Gateway"
