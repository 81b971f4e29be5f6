"""Telegram's length limits, and texts measured the way Telegram measures them.

Telegram counts a text in UTF-16 code units after entity parsing: a character outside the Basic
Multilingual Plane (most emoji) counts twice, and a text sent as HTML counts without its tags, each
entity (`&lt;`, `&amp;`, `&#128512;`) as the one character it stands for. Every length limit the shop
checks — Telegram's, and its own limits on what people type — is measured with `units` (plain
text) or `html_units` (Telegram HTML), and `cut` shortens a plain text to a limit without ever
splitting a character (so never a surrogate pair).
"""

import re

# A message's text, a photo's or document's caption, a callback query's answer (toast or alert).
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ANSWER_LIMIT = 200
# An invoice's title and description (Telegram Payments and Stars).
INVOICE_TITLE_LIMIT = 32
INVOICE_DESCRIPTION_LIMIT = 255
ELLIPSIS = "…"

_TAG = re.compile(r"<[^>]*>")
# The entities Telegram's HTML parser decodes; any other `&name;` stays as literal text.
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|lt|gt|amp|quot);", re.IGNORECASE)
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def units(text: str) -> int:
    """The length of plain `text` in UTF-16 code units."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def html_units(text: str) -> int:
    """The length Telegram counts for `text` sent with parse_mode HTML: tags dropped, entities decoded,
    in UTF-16 code units. Markup Telegram would refuse to parse is measured as if it parsed."""
    return units(_ENTITY.sub(_decode, _TAG.sub("", text)))


def cut(text: str, limit: int, ellipsis: str = ELLIPSIS) -> str:
    """`text` when it is at most `limit` UTF-16 code units; otherwise its longest start that fits with
    `ellipsis` after it. Whole characters only: a surrogate pair is never split. Empty when `limit`
    cannot even hold the ellipsis."""
    if units(text) <= limit:
        return text
    budget = limit - units(ellipsis)
    if budget < 0:
        return ""
    used = 0
    for index, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > budget:
            return text[:index] + ellipsis
    raise AssertionError("unreachable: the text is longer than the limit")


def _decode(match: re.Match[str]) -> str:
    ref = match.group(1)
    if ref[0] != "#":
        return _NAMED[ref.lower()]
    code = int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:])
    return chr(code) if 0 < code <= 0x10FFFF else match.group(0)
