"""Parse modes judged by aiogram 3 (issue 16): text built with aiogram's own formatting helpers, sent as
MarkdownV2, legacy Markdown or HTML, comes back with the entities aiogram computes for it itself; markup
that does not parse is Telegram's TelegramBadRequest naming the byte offset. See test_botapi_conformance.py.
"""

from collections.abc import AsyncIterator

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, MessageEntity
from aiogram.utils.formatting import (
    BlockQuote,
    Bold,
    Code,
    ExpandableBlockQuote,
    Italic,
    Spoiler,
    Strikethrough,
    Text,
    TextLink,
    Underline,
)

from tests.support.aiogram_judge import Telegram, open_telegram, started

# Everything aiogram's helpers write, escapes included (- . ! ( ) ` \), nested, after an astral emoji.
CONTENT = Text(
    "Key ",
    Bold("K-1.2"),
    " for ",
    Italic("you"),
    "! ",
    Underline(Strikethrough("old")),
    " ",
    Spoiler("x"),
    " ",
    Code("a`b\\c"),
    " 😀 ",
    TextLink("shop (1)", url="https://example.org/a"),
    " ",
    Bold(Italic("both")),
    "\n",
    BlockQuote("quoted\nlines"),
    # aiogram writes two quotations in a row as one run of > lines, which Telegram reads as one quotation.
    "\nthen\n",
    ExpandableBlockQuote("more"),
)


@pytest.fixture
async def tg() -> AsyncIterator[Telegram]:
    async with open_telegram() as telegram:
        await started(telegram)
        yield telegram


def _spans(entities: list[MessageEntity] | None) -> set[tuple[str, int, int, str | None]]:
    """Entities as a set: Telegram's order of entities with one span is its own."""
    return {(e.type, e.offset, e.length, e.url) for e in entities or []}


@pytest.mark.parametrize("parse_mode", ["MarkdownV2", "HTML"])
async def test_aiogram_formatting_comes_back_as_aiogram_computes_it(tg: Telegram, parse_mode: str) -> None:
    source = CONTENT.as_markdown() if parse_mode == "MarkdownV2" else CONTENT.as_html()
    expected = CONTENT.as_kwargs()
    message = await tg.judge(lambda bot: bot.send_message(tg.ann.id, source, parse_mode=parse_mode))
    assert message.text == expected["text"]
    assert _spans(message.entities) == _spans(expected["entities"])


async def test_legacy_markdown(tg: Telegram) -> None:
    message = await tg.judge(
        lambda bot: bot.send_message(tg.ann.id, "*Key* for _you_: `K-1.2` [shop](https://example.org)!", parse_mode="Markdown")
    )
    assert message.text == "Key for you: K-1.2 shop!"
    assert _spans(message.entities) == {
        ("bold", 0, 3, None),
        ("italic", 8, 3, None),
        ("code", 13, 5, None),
        ("text_link", 19, 4, "https://example.org"),
    }


async def test_a_caption_in_markdown_v2(tg: Telegram) -> None:
    upload = BufferedInputFile(b"KEY", filename="key.txt")
    message = await tg.judge(lambda bot: bot.send_document(tg.ann.id, upload, caption="*Your* key", parse_mode="MarkdownV2"))
    assert message.caption == "Your key" and _spans(message.caption_entities) == {("bold", 0, 4, None)}


@pytest.mark.parametrize(
    ("parse_mode", "source", "error"),
    [
        ("MarkdownV2", "Ключ 1.5", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("MarkdownV2", "Ключ *x", "Can't find end of Bold entity at byte offset 9"),
        ("Markdown", "Ключ _x", "Can't find end of the entity starting at byte offset 9"),
    ],
)
async def test_markup_that_does_not_parse(tg: Telegram, parse_mode: str, source: str, error: str) -> None:
    with pytest.raises(TelegramBadRequest) as caught:
        await tg.judge(lambda bot: bot.send_message(tg.ann.id, source, parse_mode=parse_mode))
    assert caught.value.message == f"Bad Request: can't parse entities: {error}"
