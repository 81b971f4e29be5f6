"""parse_mode MarkdownV2 and legacy Markdown, as the official server parses them: entities in UTF-16 code
units, Telegram's error texts with byte offsets into the UTF-8 source."""

from typing import Any

import pytest

from telegram.emulator import EmulatedUser

V2_CASES = [
    ("*bold \\*text*", "bold *text", [("bold", 0, 10)]),
    ("_it_ __un__ ~st~ ||sp||", "it un st sp",
     [("italic", 0, 2), ("underline", 3, 2), ("strikethrough", 6, 2), ("spoiler", 9, 2)]),
    # The Bot API's own nesting example, shortened: ___ closes the underline, then the italic.
    ("*b _i ~s ||sp||~ __u___ b*", "b i s sp u b",
     [("bold", 0, 12), ("italic", 2, 8), ("strikethrough", 4, 4), ("spoiler", 6, 2), ("underline", 9, 1)]),
    ("`a\\`b` ```python\nprint(1)```", "a`b print(1)", [("code", 0, 3), ("pre", 4, 8)]),
    ("😀 *b*", "😀 b", [("bold", 3, 1)]),
    (">one\n>two\nplain", "one\ntwo\nplain", [("blockquote", 0, 7)]),
    ("**>shown\n>hidden||", "shown\nhidden", [("expandable_blockquote", 0, 12)]),
    ("[not a link](nowhere)", "not a link", []),
]  # fmt: skip


def _spans(message: dict[str, Any]) -> list[tuple[str, int, int]]:
    return [(e["type"], e["offset"], e["length"]) for e in message.get("entities", [])]


@pytest.mark.parametrize(("source", "text", "spans"), V2_CASES)
async def test_markdown_v2(api, ann: EmulatedUser, source: str, text: str, spans: list[tuple[str, int, int]]) -> None:
    message = await api.ok("sendMessage", chat_id=ann.id, text=source, parse_mode="MarkdownV2")
    assert (message["text"], _spans(message)) == (text, spans)


async def test_markdown_v2_links_languages_and_custom_emoji(api, ann: EmulatedUser) -> None:
    source = "[shop](https://example.org/a\\)b) ```py\nx``` ![👍](tg://emoji?id=5368324170671202286)"
    message = await api.ok("sendMessage", chat_id=ann.id, text=source, parse_mode="MarkdownV2")
    link, pre, emoji = message["entities"]
    assert link["url"] == "https://example.org/a)b" and pre["language"] == "py"
    assert (emoji["type"], emoji["custom_emoji_id"]) == ("custom_emoji", "5368324170671202286")


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("Ключ 1.5", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("Ключ _x", "Can't find end of Italic entity at byte offset 9"),
        # The innermost open entity is named: the second * opens a bold inside the underline.
        ("*a __b*", "Can't find end of Bold entity at byte offset 6"),
        ("[x](http://a.b", "Can't find end of a URL at byte offset 4"),
        ("![x]", "Custom emoji entity must contain a tg://emoji URL"),
    ],
)
async def test_markdown_v2_errors_name_the_byte_offset(api, ann: EmulatedUser, source: str, error: str) -> None:
    status, description = await api.error("sendMessage", chat_id=ann.id, text=source, parse_mode="MarkdownV2")
    assert (status, description) == (400, f"Bad Request: can't parse entities: {error}")


async def test_legacy_markdown(api, ann: EmulatedUser) -> None:
    source = "*Key* _for_ `you` [here](http://a.b) snake\\_case ```sh\nrun```"
    message = await api.ok("sendMessage", chat_id=ann.id, text=source, parse_mode="Markdown")
    assert message["text"] == "Key for you here snake_case run"
    assert _spans(message) == [("bold", 0, 3), ("italic", 4, 3), ("code", 8, 3), ("text_link", 12, 4), ("pre", 28, 3)]
    # Legacy Markdown does not nest and needs no escaping of . or !
    plain = await api.ok("sendMessage", chat_id=ann.id, text="*a _b* c 1.5!", parse_mode="markdown")
    assert (plain["text"], _spans(plain)) == ("a _b c 1.5!", [("bold", 0, 4)])


async def test_legacy_markdown_error_names_the_byte_offset(api, ann: EmulatedUser) -> None:
    status, description = await api.error("sendMessage", chat_id=ann.id, text="Ключ *x", parse_mode="Markdown")
    assert description == "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 9"


async def test_captions_and_edits_parse_markdown_too(api, ann: EmulatedUser) -> None:
    sent = await api.ok("sendMessage", chat_id=ann.id, text="x")
    edited = await api.ok("editMessageText", chat_id=ann.id, message_id=sent["message_id"], text="*y*", parse_mode="MarkdownV2")
    assert (edited["text"], _spans(edited)) == ("y", [("bold", 0, 1)])
    status, description = await api.error("sendMessage", chat_id=ann.id, text="x", parse_mode="Textile")
    assert description == "Bad Request: unsupported parse_mode"
