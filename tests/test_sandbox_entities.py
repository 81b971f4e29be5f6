"""A message's entities drawn as the sandbox page's HTML: every character escaped, only our tags,
offsets in UTF-16 code units, tags always nested, unsafe links left as text."""

import pytest

from telegram.emulator.entities import parse_html
from webui.sandbox.entities import entities_html


def drawn(source: str) -> str:
    """What the page shows for a message the bot sent with parse_mode HTML (parsed as Telegram does)."""
    return str(entities_html(*parse_html(source)))


def test_the_bot_s_formatting_is_drawn_and_its_text_escaped() -> None:
    assert drawn("<b>Bold <i>both</i></b> &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co") == (
        "<strong>Bold <em>both</em></strong> &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"
    )
    assert drawn("<u>u</u><s>s</s><code>KEY-1</code><tg-spoiler>hidden</tg-spoiler>") == (
        '<u>u</u><s>s</s><code>KEY-1</code><span class="spoiler" tabindex="0" title="Spoiler: tap to show">hidden</span>'
    )
    assert drawn('<pre><code class="language-&quot;x&quot;">a &lt; b</code></pre><blockquote>q</blockquote>') == (
        '<pre data-language="&#34;x&#34;"><code>a &lt; b</code></pre><blockquote>q</blockquote>'
    )


def test_offsets_count_utf16_code_units_as_the_bot_api_does() -> None:
    # 🎮 is one character and two UTF-16 code units: the entity after it starts at 3, not 2.
    assert drawn("🎮 <b>Key</b> 🔑 <i>x</i>") == "🎮 <strong>Key</strong> 🔑 <em>x</em>"
    assert str(entities_html("🎮 Key", [{"type": "bold", "offset": 3, "length": 3}])) == "🎮 <strong>Key</strong>"


def test_overlapping_entities_still_nest() -> None:
    text = "abcdef"
    entities = [{"type": "bold", "offset": 0, "length": 4}, {"type": "italic", "offset": 2, "length": 4}]
    assert str(entities_html(text, entities)) == "<strong>ab<em>cd</em></strong><em>ef</em>"


@pytest.mark.parametrize(
    ("url", "link"),
    [
        (
            "https://example.com/?a=1&b=2",
            '<a href="https://example.com/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer nofollow">',
        ),
        ("javascript:alert(1)", '<span class="link">'),
        (
            'https://x.example/"onmouseover="alert(1)',
            '<a href="https://x.example/&#34;onmouseover=&#34;alert(1)" target="_blank" rel="noopener noreferrer nofollow">',
        ),
    ],
)
def test_links_go_only_to_safe_addresses(url: str, link: str) -> None:
    assert str(entities_html("here", [{"type": "text_link", "offset": 0, "length": 4, "url": url}])).startswith(link)


def test_commands_and_addresses_in_the_text() -> None:
    text = "/start then example.com"
    entities = [{"type": "bot_command", "offset": 0, "length": 6}, {"type": "url", "offset": 12, "length": 11}]
    assert str(entities_html(text, entities)) == (
        '<button type="button" class="command" data-send>/start</button> then '
        '<a href="https://example.com" target="_blank" rel="noopener noreferrer nofollow">example.com</a>'
    )


def test_entities_outside_the_text_or_of_unknown_kinds_draw_nothing() -> None:
    entities = [
        {"type": "bold", "offset": 0, "length": 99},
        {"type": "custom_emoji", "offset": 0, "length": 1},
        {"type": "italic", "offset": -1, "length": 2},
        {"type": "bold"},
    ]
    assert str(entities_html("<x>", entities)) == "&lt;x&gt;"
    assert str(entities_html("plain", None)) == "plain"
