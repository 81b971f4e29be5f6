"""Files a user sends, fetched by BotClient.get_file + download_file from the emulator; the size limits and
the errors, none of which shows the token."""

import logging

import httpx
import pytest

from telegram.client import BotClient
from telegram.config import TelegramSettings
from telegram.emulator import EmulatedUser, Emulator
from telegram.errors import BadRequest, FileTooBig, NotFound
from telegram.types import File, PhotoSize

from .conftest import TOKEN

STOCK = b"KEY-AAAA\nKEY-BBBB\n"
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8 + b"\xff\xd9"
MB = 1024 * 1024


async def test_a_document_the_user_sent_downloads_byte_for_byte(
    bot: BotClient, ann: EmulatedUser, caplog: pytest.LogCaptureFixture
) -> None:
    await ann.send_document("stock.csv", STOCK, caption="restock")
    (update,) = await bot.get_updates(offset=2, timeout=0)
    message = update.message
    assert message is not None and message.caption == "restock" and message.document is not None
    assert (message.document.file_name, message.document.file_size) == ("stock.csv", len(STOCK))

    file = await bot.get_file(message.document.file_id)
    assert isinstance(file, File) and file.file_size == len(STOCK)
    assert file.file_path is not None and file.file_path.endswith(".csv")
    with caplog.at_level(logging.DEBUG):
        assert await bot.download_file(file.file_path, max_bytes=len(STOCK)) == STOCK
    assert TOKEN not in caplog.text


async def test_a_photo_decodes_into_sizes_and_the_largest_downloads(bot: BotClient, ann: EmulatedUser) -> None:
    await ann.send_photo(JPEG)
    (update,) = await bot.get_updates(offset=2, timeout=0)
    assert update.message is not None and update.message.photo is not None
    sizes = update.message.photo
    assert all(isinstance(s, PhotoSize) for s in sizes) and len(sizes) == 3
    largest = sizes[-1]
    assert largest.width == max(s.width for s in sizes) and largest.file_size == len(JPEG)

    file = await bot.get_file(largest.file_id)
    assert file.file_path is not None and file.file_path.endswith(".jpg")
    assert await bot.download_file(file.file_path, max_bytes=MB) == JPEG
    shown = await bot.send_photo(1001, largest.file_id, "Item 7")
    assert shown.photo is not None and shown.photo[-1].file_id == largest.file_id


async def test_a_document_is_uploaded_once_then_sent_by_its_file_id(emu: Emulator, bot: BotClient, ann: EmulatedUser) -> None:
    uploaded = await bot.send_document(1001, "book.pdf", b"%PDF-1.7 book", caption="<b>Book</b>")
    assert uploaded.document is not None and uploaded.document.file_name == "book.pdf"
    again = await bot.send_document_id(1001, uploaded.document.file_id, caption="<b>Book</b> again")
    assert again.document is not None and again.document.file_unique_id == uploaded.document.file_unique_id
    assert again.caption == "Book again"
    assert [params["document"] for _, method, params in emu.calls if method == "sendDocument"] == [
        {"filename": "book.pdf", "size": len(b"%PDF-1.7 book")}, uploaded.document.file_id]
    # Another bot's file_id is refused: `wrong_file` tells it from other refusals.
    emu.create_bot(token="456:OTHER", username="other_bot")
    await ann.send_text("/start", bot="other_bot")
    async with BotClient(TelegramSettings(token="456:OTHER", owner_id=1), transport=emu.transport()) as other:
        with pytest.raises(BadRequest) as refused:
            await other.send_document_id(1001, uploaded.document.file_id)
        assert refused.value.wrong_file
        with pytest.raises(BadRequest) as elsewhere:
            await other.send_document_id(77, uploaded.document.file_id)
        assert not elsewhere.value.wrong_file  # chat not found


async def test_a_download_over_max_bytes_is_refused_without_the_token(bot: BotClient, ann: EmulatedUser) -> None:
    document = (await ann.send_document("stock.txt", STOCK))["document"]
    path = (await bot.get_file(document["file_id"])).file_path
    assert path is not None
    with pytest.raises(FileTooBig) as refused:
        await bot.download_file(path, max_bytes=len(STOCK) - 1)
    assert isinstance(refused.value, BadRequest) and refused.value.method == "downloadFile"
    assert f"max_bytes={len(STOCK) - 1}" in str(refused.value) and TOKEN not in str(refused.value)


async def test_telegram_refuses_files_over_20_mb(bot: BotClient, ann: EmulatedUser) -> None:
    document = (await ann.send_document("huge.txt", b"x" * (20 * MB + 1)))["document"]
    with pytest.raises(FileTooBig, match="file is too big") as refused:
        await bot.get_file(document["file_id"])
    assert refused.value.method == "getFile" and refused.value.error_code == 400
    with pytest.raises(BadRequest, match="invalid file_id"):
        await bot.get_file("BQACno-such-file")


async def test_an_unknown_path_is_not_found_without_the_token(bot: BotClient, ann: EmulatedUser) -> None:
    with pytest.raises(NotFound) as missing:
        await bot.download_file("documents/file_404.txt", max_bytes=MB)
    assert missing.value.error_code == 404 and TOKEN not in str(missing.value)


async def test_a_wrong_token_is_not_found(emu: Emulator, ann: EmulatedUser) -> None:
    document = (await ann.send_document("stock.txt", STOCK))["document"]
    async with BotClient(TelegramSettings(token=TOKEN, owner_id=1), transport=emu.transport()) as right:
        path = (await right.get_file(document["file_id"])).file_path
    assert path is not None
    async with BotClient(TelegramSettings(token="999:WRONG", owner_id=1), transport=emu.transport()) as wrong:
        with pytest.raises(NotFound) as missing:
            await wrong.download_file(path, max_bytes=MB)
    assert "999:WRONG" not in str(missing.value)


async def test_an_endless_body_without_content_length_is_cut_at_max_bytes() -> None:
    sent: list[int] = []

    async def endless():
        while True:
            sent.append(1)
            yield b"x" * 1024

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless())

    async with BotClient(TelegramSettings(token=TOKEN, owner_id=1), transport=httpx.MockTransport(handler)) as bot:
        with pytest.raises(FileTooBig):
            await bot.download_file("documents/file_1.txt", max_bytes=10 * 1024)
    assert len(sent) == 11  # read up to the first chunk past the limit, then closed
