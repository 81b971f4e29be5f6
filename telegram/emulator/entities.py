"""Telegram's HTML parse mode: markup in, plain text plus MessageEntity dicts out.

Contract: `parse_html(source) -> (text, entities)` where offsets and lengths are in UTF-16 code units,
exactly as Telegram reports them; entities are sorted by offset, longer first, and empty ones dropped.
Malformed markup raises ApiError 400 "Bad Request: can't parse entities: ..." with the official
server's wording (byte offsets are UTF-8 offsets into the source, as Telegram counts them).

Supported, like the official server: b strong i em u ins s strike del span class="tg-spoiler" tg-spoiler
a href code pre (with <code class="language-x"> inside → pre.language) blockquote [expandable],
and the entities &lt; &gt; &amp; &quot; &#NN; &#xHH;. Unknown named entities stay as literal text.
MarkdownV2 and legacy Markdown are in markdown.py.
"""

import re
from typing import Any

from .errors import bad_request

_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ATTR = re.compile(r"""([A-Za-z_][\w-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_CHARREF = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z]{1,10});")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: what Telegram's offsets count (astral characters count twice)."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _fail(source: str, detail: str) -> Exception:
    return bad_request(f"can't parse entities: {detail}")


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _unescape(chunk: str) -> str:
    def one(m: re.Match[str]) -> str:
        ref = m.group(1)
        if ref[0] == "#":
            code = int(ref[2:], 16) if ref[1:2] in ("x", "X") else int(ref[1:])
            return chr(code) if 0 < code <= 0x10FFFF else m.group(0)
        return _NAMED.get(ref.lower(), m.group(0))  # unknown named entities stay literal, like Telegram

    return _CHARREF.sub(one, chunk) if "&" in chunk else chunk


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    offset = 0  # UTF-16 offset of the end of `out`
    stack: list[tuple[str, dict[str, Any] | None]] = []  # (tag name, entity or None when merged)
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(source)
    while i < n:
        lt = source.find("<", i)
        if lt == -1:
            lt = n
        if lt > i:
            piece = _unescape(source[i:lt])
            out.append(piece)
            offset += utf16_len(piece)
        if lt == n:
            break
        gt = source.find(">", lt)
        if gt == -1:
            raise _fail(source, f"Can't find end of the tag starting at byte offset {_byte_offset(source, lt)}")
        tag = source[lt + 1 : gt].strip()
        i = gt + 1
        if tag.startswith("/"):
            name = tag[1:].strip().lower()
            if not stack:
                raise _fail(source, f"Unexpected end tag at byte offset {_byte_offset(source, lt)}")
            open_name, opened = stack.pop()
            if name != open_name:
                raise _fail(
                    source,
                    f'Unmatched end tag at byte offset {_byte_offset(source, lt)}, expected "</{open_name}>", found "</{name}>"',
                )
            if opened is not None:
                opened["length"] = offset - opened["offset"]
                if opened["length"] > 0:
                    entities.append(opened)
            continue
        name, _, rest = tag.partition(" ")
        name = name.lower()
        attrs = {m.group(1).lower(): _unescape(m.group(2) or m.group(3) or m.group(4) or "") for m in _ATTR.finditer(rest)}
        entity: dict[str, Any] | None
        if name in _SIMPLE:
            entity = {"type": _SIMPLE[name], "offset": offset}
            if name == "code" and stack and stack[-1][0] == "pre" and stack[-1][1] is not None:
                # <pre><code class="language-x"> is one pre entity with a language, not two entities.
                language = attrs.get("class", "")
                if language.startswith("language-"):
                    stack[-1][1]["language"] = language.removeprefix("language-")
                    entity = None
        elif name == "span":
            if attrs.get("class") != "tg-spoiler":
                raise _fail(source, 'Tag "span" must have class "tg-spoiler"')
            entity = {"type": "spoiler", "offset": offset}
        elif name == "a":
            href = attrs.get("href")
            entity = {"type": "text_link", "offset": offset, "url": href} if href else None
        elif name == "blockquote":
            kind = "expandable_blockquote" if "expandable" in attrs else "blockquote"
            entity = {"type": kind, "offset": offset}
        else:
            raise _fail(source, f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, lt)}')
        stack.append((name, entity))
    if stack:
        raise _fail(source, f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities
