"""Videos, animations, stickers, media groups and editMessageMedia, judged by aiogram 3 (issue 16). See
test_botapi_conformance.py for the harness.
"""

from collections.abc import AsyncIterator

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, InputMediaDocument, InputMediaPhoto, InputMediaVideo

from tests.support.aiogram_judge import Telegram, open_telegram, started
from tests.support.images import png


@pytest.fixture
async def tg() -> AsyncIterator[Telegram]:
    async with open_telegram() as telegram:
        await started(telegram)
        yield telegram


async def test_send_video_and_animation(tg: Telegram) -> None:
    clip = BufferedInputFile(b"\x00\x00\x00\x18ftypmp42", filename="trailer.mp4")
    video = await tg.judge(lambda bot: bot.send_video(tg.ann.id, clip, duration=12, width=1280, height=720, caption="Trailer"))
    assert video.video is not None and video.caption == "Trailer"
    assert (video.video.width, video.video.height, video.video.duration, video.video.mime_type) == (1280, 720, 12, "video/mp4")
    gif = BufferedInputFile(b"GIF89a\x10\x00\x10\x00", filename="dance.gif")
    animated = await tg.judge(lambda bot: bot.send_animation(tg.ann.id, gif))
    assert animated.animation is not None and animated.document is not None
    assert animated.animation.file_id == animated.document.file_id and animated.animation.file_name == "dance.gif"


async def test_send_sticker(tg: Telegram) -> None:
    sticker = await tg.judge(lambda bot: bot.send_sticker(tg.ann.id, BufferedInputFile(png(512, 256), "s.png"), emoji="🎮"))
    assert sticker.sticker is not None
    assert (sticker.sticker.width, sticker.sticker.height, sticker.sticker.is_animated, sticker.sticker.emoji) == (
        512,
        256,
        False,
        "🎮",
    )
    file_id = sticker.sticker.file_id
    again = await tg.judge(lambda bot: bot.send_sticker(tg.ann.id, file_id))
    assert again.sticker is not None and again.sticker.file_id == file_id


async def test_send_media_group(tg: Telegram) -> None:
    album: list[InputMediaPhoto | InputMediaVideo | InputMediaDocument] = [
        InputMediaPhoto(media=BufferedInputFile(png(64, 48), "a.png"), caption="<b>Box</b>", parse_mode="HTML"),
        InputMediaPhoto(media=BufferedInputFile(png(32, 32), "b.png")),
        InputMediaVideo(media=BufferedInputFile(b"mp4", "c.mp4"), width=640, height=360, duration=3),
    ]
    messages = await tg.judge(lambda bot: bot.send_media_group(tg.ann.id, list(album)))
    assert len(messages) == 3 and len({m.media_group_id for m in messages}) == 1 and messages[0].media_group_id
    first, second, third = messages
    assert first.photo is not None and (first.photo[-1].width, first.photo[-1].height) == (64, 48)
    assert first.caption == "Box" and first.caption_entities is not None and second.caption is None
    assert third.video is not None and third.video.duration == 3
    with pytest.raises(TelegramBadRequest) as caught:
        await tg.judge(lambda bot: bot.send_media_group(tg.ann.id, list(album[:1])))
    assert caught.value.message == "Bad Request: MEDIA_GROUP_INVALID"


async def test_edit_message_media(tg: Telegram) -> None:
    sent = await tg.judge(lambda bot: bot.send_photo(tg.ann.id, BufferedInputFile(png(10, 10), "a.png"), caption="Old"))
    receipt = InputMediaDocument(media=BufferedInputFile(b"%PDF-1.7", "receipt.pdf"), caption="Your receipt")
    edited = await tg.judge(lambda bot: bot.edit_message_media(receipt, chat_id=tg.ann.id, message_id=sent.message_id))
    assert not isinstance(edited, bool) and edited.photo is None and edited.document is not None
    assert (edited.document.file_name, edited.document.mime_type, edited.caption) == (
        "receipt.pdf",
        "application/pdf",
        "Your receipt",
    )
    text = await tg.judge(lambda bot: bot.send_message(tg.ann.id, "plain"))
    with pytest.raises(TelegramBadRequest) as caught:
        await tg.judge(lambda bot: bot.edit_message_media(receipt, chat_id=tg.ann.id, message_id=text.message_id))
    assert caught.value.message == "Bad Request: there is no media in the message to edit"
