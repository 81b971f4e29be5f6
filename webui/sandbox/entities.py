"""A message's text and its MessageEntity list as safe HTML, drawn the way Telegram's apps draw them.

Contract: `entities_html(text, entities)` returns Markup in which every character of `text` is
escaped, and the only tags are ours (strong, em, u, s, code, pre, blockquote, a, span): no markup a
message carries ever reaches the page as markup. Offsets and lengths count UTF-16 code units, as the
Bot API's do. Entities that overlap without nesting are closed and opened again around each other,
so the tags always nest; an entity of an unknown type, or one outside the text, draws nothing.

Links: a text_link or url entity is a link only to http(s), tg: or mailto: addresses (anything else,
`javascript:` first of all, stays text); a /command is a button the page's script sends again.
"""

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

# Entity type → (opening, closing) tags; a link's or a language's attribute is filled in by _tags.
_SIMPLE = {
    "bold": ("<strong>", "</strong>"),
    "italic": ("<em>", "</em>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "code": ("<code>", "</code>"),
    "spoiler": ('<span class="spoiler" tabindex="0" title="Spoiler: tap to show">', "</span>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "expandable_blockquote": ('<blockquote class="expandable">', "</blockquote>"),
    "mention": ('<span class="mention">', "</span>"),
    "hashtag": ('<span class="mention">', "</span>"),
    "cashtag": ('<span class="mention">', "</span>"),
    "text_mention": ('<span class="mention">', "</span>"),
}
_LINK_SCHEMES = ("http", "https", "tg", "mailto")


def entities_html(text: str, entities: Iterable[dict[str, Any]] | None) -> Markup:
    """`text` drawn with `entities` (see the module docstring)."""
    units = text.encode("utf-16-le")
    size = len(units) // 2
    spans = sorted(
        (
            (offset, offset + length, entity)
            for entity in entities or ()
            if isinstance(offset := entity.get("offset"), int)
            and isinstance(length := entity.get("length"), int)
            and 0 <= offset < offset + length <= size
            and _tags(entity, "") is not None
        ),
        key=lambda span: (span[0], -span[1]),
    )
    cuts = sorted({0, size, *(point for start, end, _ in spans for point in (start, end))})
    out: list[str] = []
    open_spans: list[tuple[int, str, str]] = []  # (end, opening tag, closing tag), innermost last
    starting = iter(spans)
    upcoming = next(starting, None)
    for here, following in zip(cuts, cuts[1:], strict=False):
        # Close what ends here; what was opened inside it and goes on is opened again after it.
        if any(end == here for end, _, _ in open_spans):
            out.extend(closing for _, _, closing in reversed(open_spans))
            open_spans = [span for span in open_spans if span[0] != here]
            out.extend(opening for _, opening, _ in open_spans)
        while upcoming is not None and upcoming[0] == here:
            start, end, entity = upcoming
            opening, closing = _tags(entity, _piece(units, start, end)) or ("", "")
            out.append(opening)
            open_spans.append((end, opening, closing))
            upcoming = next(starting, None)
        out.append(str(escape(_piece(units, here, following))))
    out.extend(closing for _, _, closing in reversed(open_spans))
    return Markup("".join(out))


def _piece(units: bytes, start: int, end: int) -> str:
    # An entity that cuts a surrogate pair in two leaves a replacement character, as a client would.
    return units[2 * start : 2 * end].decode("utf-16-le", errors="replace")


def _tags(entity: dict[str, Any], covered: str) -> tuple[str, str] | None:
    """The opening and closing tags of `entity` over the text `covered`, or None for a type not drawn."""
    kind = entity.get("type")
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    if kind == "pre":
        language = entity.get("language")
        label = f' data-language="{escape(language)}"' if isinstance(language, str) and language else ""
        return f"<pre{label}><code>", "</code></pre>"
    if kind == "text_link":
        return _link(entity.get("url"))
    if kind == "url":
        return _link(covered if "://" in covered else f"https://{covered}") if covered else ("", "")
    if kind == "email":
        return _link(f"mailto:{covered}") if covered else ("", "")
    if kind == "phone_number":
        return '<span class="mention">', "</span>"
    if kind == "bot_command":
        return '<button type="button" class="command" data-send>', "</button>"
    return None


def _link(url: object) -> tuple[str, str]:
    if not isinstance(url, str) or urlsplit(url).scheme.lower() not in _LINK_SCHEMES:
        return '<span class="link">', "</span>"
    return f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer nofollow">', "</a>"
