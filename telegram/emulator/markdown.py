"""Telegram's MarkdownV2 and legacy Markdown parse modes: markup in, plain text plus MessageEntity dicts out.

Contract, as for `entities.parse_html`: `parse_markdown_v2(source)` and `parse_markdown(source)` return
(text, entities) with offsets and lengths in UTF-16 code units, entities sorted by offset, longer first,
empty ones dropped. Malformed markup raises ApiError 400 "Bad Request: can't parse entities: ..." in the
official server's words, whose offsets are byte offsets into the UTF-8 source. Both follow the official
server's parser (tdlib's parse_markdown_v2 and parse_markdown), so they walk the source's UTF-8 bytes.

MarkdownV2: *bold* _italic_ __underline__ ~strikethrough~ ||spoiler|| `code` ```language pre``` [text](url)
![emoji](tg://emoji?id=N) and > block quotations (**> expandable, ended by || at its last line's end),
nested; any character from 1 to 126 may be escaped with a backslash, and the characters
_*[]()~`>#+-=|{}.! must be ("Character '.' is reserved and must be escaped with the preceding '\\'").
Legacy Markdown: *bold* _italic_ `code` ```language pre``` [text](url), not nested, and only _*`[
escapable. A link whose URL is not one (no scheme and no dot) loses its entity, as on Telegram; a mention
link (tg://user?id=N) stays a text_link here (Telegram makes it a text_mention of a user it knows).
"""

from typing import Any

from .errors import bad_request

RESERVED = b"_*[]()~`>#+-=|{}.!"
# tdlib's names of the entity types in "Can't find end of <Type> entity at byte offset N".
_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def _fail(detail: str) -> Exception:
    return bad_request(f"can't parse entities: {detail}")


def _reserved(char: int) -> Exception:
    return _fail(f"Character '{chr(char)}' is reserved and must be escaped with the preceding '\\'")


class _Text:
    """The text being built: its UTF-8 bytes and its length in UTF-16 code units."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.utf16 = 0

    def add(self, byte: int) -> None:
        if byte & 0xC0 != 0x80:  # the first byte of a character
            self.utf16 += 2 if byte >= 0xF0 else 1  # four UTF-8 bytes: a surrogate pair in UTF-16
        self.out.append(byte)

    def result(self, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
        kept = [e for e in entities if e["length"] > 0]
        kept.sort(key=lambda e: (e["offset"], -e["length"]))
        return self.out.decode("utf-8", "replace"), kept


def _link(url: str) -> str | None:
    """The URL a link entity carries, or None when Telegram would drop the entity."""
    if url.startswith(("http://", "https://", "tg://", "ton://")):
        return url
    if url and "." in url and not any(ch.isspace() for ch in url) and "://" not in url:
        return "http://" + url
    return None


def _pre_start(src: bytes, i: int) -> tuple[int, str]:
    """After an opening ```: the index of the code's first byte and its language, if one is named."""
    end = i
    while end < len(src) and not chr(src[end]).isspace() and src[end] != ord("`"):
        end += 1
    language = ""
    if end != i and end < len(src) and src[end] != ord("`"):
        language, i = src[i:end].decode("utf-8", "replace"), end
    if i < len(src) and src[i] in b"\r\n":  # one line break after the opening is not part of the code
        pair = i + 1 < len(src) and src[i + 1] in b"\r\n" and src[i + 1] != src[i]
        i += 2 if pair else 1
    return i, language


def parse_markdown(source: str) -> tuple[str, list[dict[str, Any]]]:
    src = source.encode("utf-8")
    text = _Text()
    entities: list[dict[str, Any]] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c == ord("\\") and i + 1 < n and src[i + 1] in b"_*`[":
            text.add(src[i + 1])
            i += 2
            continue
        if c not in b"_*`[":
            text.add(c)
            i += 1
            continue
        begin = i
        end_char = ord("]") if c == ord("[") else c
        i += 1
        is_pre, language = False, ""
        if c == ord("`") and src[i : i + 2] == b"``":
            is_pre = True
            i, language = _pre_start(src, i + 2)
        offset = text.utf16
        while i < n and (src[i] != end_char or (is_pre and src[i + 1 : i + 3] != b"``")):
            text.add(src[i])
            i += 1
        if i >= n:
            raise _fail(f"Can't find end of the entity starting at byte offset {begin}")
        found: dict[str, Any] = {"offset": offset, "length": text.utf16 - offset}
        if c == ord("["):
            url = src[begin + 1 : i]  # [text] alone: the text is the link
            if src[i + 1 : i + 2] == b"(":
                close = src.find(b")", i + 2)
                url, i = (src[i + 2 :], n - 1) if close == -1 else (src[i + 2 : close], close)
            link = _link(url.decode("utf-8", "replace"))
            if link is not None:
                entities.append({**found, "type": "text_link", "url": link})
        else:
            found["type"] = {ord("_"): "italic", ord("*"): "bold"}.get(c) or ("pre" if is_pre else "code")
            if language:
                found["language"] = language
            entities.append(found)
        i += 3 if is_pre else 1
    return text.result(entities)


def _closes(kind: str, src: bytes, i: int) -> bool:
    """Whether the reserved character at `i` ends the innermost open entity, of type `kind`."""
    c, after = src[i], src[i + 1 : i + 2]
    match kind:
        case "bold":
            return c == ord("*")
        case "italic":
            return c == ord("_") and after != b"_"
        case "underline":
            return c == ord("_") and after == b"_"
        case "strikethrough":
            return c == ord("~")
        case "spoiler":
            return c == ord("|") and after == b"|"
        case "code":
            return c == ord("`")
        case "pre":
            return src[i : i + 3] == b"```"
        case _:  # text_link, custom_emoji
            return c == ord("]")


class _Opened:
    __slots__ = ("kind", "offset", "byte_offset", "begin", "language")

    def __init__(self, kind: str, offset: int, byte_offset: int, begin: int, language: str = "") -> None:
        self.kind, self.offset, self.byte_offset, self.begin, self.language = kind, offset, byte_offset, begin, language


def parse_markdown_v2(source: str) -> tuple[str, list[dict[str, Any]]]:
    src = source.encode("utf-8")
    text = _Text()
    entities: list[dict[str, Any]] = []
    opened: list[_Opened] = []
    quote: dict[str, Any] | None = None
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c == ord("\\") and i + 1 < n and 0 < src[i + 1] <= 126:
            text.add(src[i + 1])
            i += 2
            continue
        if i == 0 or src[i - 1] == ord("\n"):
            # A line starting with > is quoted, and **> starts a new, expandable quotation.
            expandable = src[i : i + 3] == b"**>"
            if quote is not None and (expandable or c != ord(">")):
                entities.append(_quote(quote, text))
                quote = None
            if c == ord(">") or expandable:
                if quote is None:
                    quote = {"type": "expandable_blockquote" if expandable else "blockquote", "offset": text.utf16}
                i += 3 if expandable else 1
                continue
        at_line_end = i + 2 == n or src[i + 2 : i + 3] == b"\n"
        if quote is not None and src[i : i + 2] == b"||" and at_line_end and not (opened and opened[-1].kind == "spoiler"):
            # || at a quoted line's end closes an expandable quotation (its hidden part is what precedes).
            entities.append(_quote({**quote, "type": "expandable_blockquote"}, text))
            quote = None
            i += 2
            continue
        if c == ord("\r"):  # ignored (Bot API: "\r ... will be ignored"), so it can part ___ into _ and __
            i += 1
            continue
        in_code = bool(opened) and opened[-1].kind in ("code", "pre")
        if (c != ord("`")) if in_code else (c not in RESERVED):
            text.add(c)
            i += 1
            continue
        if opened and _closes(opened[-1].kind, src, i):
            i = _close(src, i, text, opened.pop(), entities)
            continue
        begin = i
        language = ""
        if c == ord("_"):
            kind = "underline" if src[i + 1 : i + 2] == b"_" else "italic"
            i += 2 if kind == "underline" else 1
        elif c in b"*~[":
            kind = {ord("*"): "bold", ord("~"): "strikethrough", ord("["): "text_link"}[c]
            i += 1
        elif c == ord("|") and src[i + 1 : i + 2] == b"|":
            kind, i = "spoiler", i + 2
        elif c == ord("!") and src[i + 1 : i + 2] == b"[":
            kind, i = "custom_emoji", i + 2
        elif c == ord("`") and src[i : i + 3] == b"```":
            kind = "pre"
            i, language = _pre_start(src, i + 3)
        elif c == ord("`"):
            kind, i = "code", i + 1
        else:
            raise _reserved(c)
        opened.append(_Opened(kind, text.utf16, begin, len(text.out), language))
    if quote is not None:
        entities.append(_quote(quote, text))
    if opened:
        last = opened[-1]
        raise _fail(f"Can't find end of {_NAMES[last.kind]} entity at byte offset {last.byte_offset}")
    return text.result(entities)


def _quote(quote: dict[str, Any], text: _Text) -> dict[str, Any]:
    """A block quotation ending here: its lines, without the line break after the last one."""
    end = text.utf16 - (1 if text.out.endswith(b"\n") else 0)
    return {**quote, "length": end - quote["offset"]}


def _close(src: bytes, i: int, text: _Text, entity: _Opened, entities: list[dict[str, Any]]) -> int:
    """Close `entity` at the reserved character `i`; returns the index after its closing markup."""
    found: dict[str, Any] = {"type": entity.kind, "offset": entity.offset, "length": text.utf16 - entity.offset}
    if entity.kind in ("underline", "spoiler"):
        i += 2
    elif entity.kind == "pre":
        i += 3
        if entity.language:
            found["language"] = entity.language
    elif entity.kind in ("text_link", "custom_emoji"):
        url = bytearray()
        if src[i + 1 : i + 2] != b"(":
            if entity.kind == "custom_emoji":
                raise _fail("Custom emoji entity must contain a tg://emoji URL")
            url += text.out[entity.begin :]  # [text] alone: the text is the link
            i += 1
        else:
            start = i = i + 2
            while i < len(src) and src[i] != ord(")"):
                if src[i] == ord("\\") and i + 1 < len(src) and 0 < src[i + 1] <= 126:
                    i += 1
                url.append(src[i])
                i += 1
            if i >= len(src):
                raise _fail(f"Can't find end of a URL at byte offset {start}")
            i += 1
        target = url.decode("utf-8", "replace")
        if entity.kind == "custom_emoji":
            emoji_id = target.removeprefix("tg://emoji?id=")
            if emoji_id == target or not emoji_id.isdigit():
                raise _fail("Custom emoji URL must have an emoji identifier")
            found["custom_emoji_id"] = emoji_id
        else:
            link = _link(target)
            if link is None:
                return i
            found["url"] = link
    else:
        i += 1
    entities.append(found)
    return i
