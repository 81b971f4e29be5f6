"""sendPhoto through the client and the emulator: by URL or file_id, the caption's 1024-character limit,
the official errors, and a photo message's text cannot be edited (its caption is not a text)."""

import pytest

from telegram.client import BotClient
from telegram.emulator import EmulatedUser, Emulator
from telegram.errors import BadRequest
from telegram.types import InlineKeyboardButton, InlineKeyboardMarkup

KEYBOARD = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Back", callback_data="back")]])


async def test_send_photo_by_url_and_by_file_id(bot: BotClient, emu: Emulator, ann: EmulatedUser) -> None:
    sent = await bot.send_photo(1001, "https://example.com/pic.jpg", "<b>Sunset</b> &amp; sea", reply_markup=KEYBOARD)
    assert sent.caption == "Sunset & sea" and sent.caption_entities is not None and sent.reply_markup == KEYBOARD
    photo = ann.bot_messages()[-1]["photo"]
    assert photo[-1]["file_id"] in emu.files and {"width", "height", "file_unique_id"} <= photo[-1].keys()
    again = await bot.send_photo(1001, photo[-1]["file_id"])
    assert again.caption is None and ann.bot_messages()[-1]["photo"][-1]["file_id"] == photo[-1]["file_id"]
    with pytest.raises(BadRequest, match="there is no text in the message to edit"):
        await bot.edit_message_text(1001, sent.message_id, "now text")


async def test_send_photo_errors(bot: BotClient, ann: EmulatedUser) -> None:
    with pytest.raises(BadRequest, match="wrong file identifier/HTTP URL specified"):
        await bot.send_photo(1001, "AgADunknown")
    with pytest.raises(BadRequest, match="there is no photo in the request"):
        await bot.send_photo(1001, "")
    with pytest.raises(BadRequest, match="message caption is too long"):
        await bot.send_photo(1001, "https://example.com/pic.jpg", "x" * 1025)
    assert (await bot.send_photo(1001, "https://example.com/pic.jpg", "x" * 1024)).caption == "x" * 1024
