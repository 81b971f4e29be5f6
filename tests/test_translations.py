"""Every text the bot shows is in both catalogs, well formed, and nothing bypasses them.

Which message ids the code uses is found by Babel's extraction with the project's babel.cfg (the same
one `make messages` uses): its extraction method, `telegram.message_ids.extract_message_ids`, reads the first
argument of every `t`, `texts`, `plain`, `n` and `n_plain` call in telegram/ and actors/.

Keys built at run time must be declared: the first argument has to resolve to literal keys, i.e. be a
string literal, `a if c else b`, a name assigned only such values (in the function or at module
level), an item or `.get()` of a module-level dict/tuple of literal keys, or a loop variable over one:

    KIND_TEXT = {"topup": "ledger.kind.topup", "purchase": "ledger.kind.purchase"}
    ctx.t(KIND_TEXT[entry.kind])          # fine: both keys count as used
    ctx.t(f"ledger.kind.{entry.kind}")    # fails test_message_ids_are_declared

Checked here: every used id has a non-empty entry in each language (plural ones, used through n/n_plain,
with every form: en 2, ru 3) and no entry is unused; the keyword arguments of a call fill every
placeholder; Russian keeps exactly the English `{placeholders}` and HTML tags; every template formats;
Russian plurals pick the right form; and no string literal in telegram/screens/ reaches a user without
the catalogs (see tests/support/screen_literals.py for what counts).
"""

import functools
import re
import string
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from telegram.i18n import LANGUAGES, LOCALES, translations
from telegram.message_ids import PLURAL, MessageUse, message_uses
from tests.support.screen_literals import find_literals

ROOT = Path(__file__).resolve().parents[1]
# Tags Telegram's HTML accepts that our texts may use.
TAGS = frozenset({"b", "i", "u", "s", "code", "pre", "a", "tg-spoiler", "blockquote"})
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>")
ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
# n → the plural form Russian uses for it (one, few, many).
RUSSIAN_FORMS = {1: 0, 2: 1, 5: 2, 11: 2, 21: 0, 22: 1, 25: 2}


@dataclass(frozen=True)
class Entry:
    path: str
    forms: tuple[str, ...]  # one for a singular message
    plural: bool


@dataclass(frozen=True)
class Use:
    where: str  # "path:line"
    use: MessageUse


@functools.cache
def catalog(language: str) -> dict[str, Entry]:
    """Every entry of one language, from all its .po files."""
    entries: dict[str, Entry] = {}
    for path in sorted((LOCALES / language).glob("*.po")):
        with path.open("rb") as f:
            for message in read_po(f, locale=language):
                if message.id:
                    entries[_key(message)] = Entry(str(path.relative_to(ROOT)), _forms(message), message.pluralizable)
    return entries


def _key(message: Message) -> str:
    return message.id[0] if isinstance(message.id, tuple) else message.id


def _forms(message: Message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, tuple | list) else (message.string or "",)


@functools.cache
def extracted() -> tuple[dict[str, bool], list[Use]]:
    """Babel's extraction with babel.cfg: used id → plural?; and every translation call, resolved or not."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    files: list[str] = []
    ids: dict[str, bool] = {}
    for _, _, message, _, _ in extract_from_dir(
        ROOT, method_map, options_map, keywords={}, callback=lambda name, _method, _options: files.append(name)
    ):
        key = message[0] if isinstance(message, tuple) else message
        ids[key] = ids.get(key, False) or isinstance(message, tuple)
    uses = [
        Use(f"{name}:{use.line}", use) for name in files for use in message_uses((ROOT / name).read_text(encoding="utf-8"))
    ]
    return ids, uses


def used_ids() -> dict[str, bool]:
    return extracted()[0]


def uses() -> list[Use]:
    return extracted()[1]


def where_used(key: str) -> str:
    return ", ".join(sorted({u.where for u in uses() if u.use.key == key}))


def fields(template: str) -> set[str]:
    """The `{names}` of a template; ValueError for malformed braces."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


# ----- ids: used ⇔ translated ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_loads(language: str) -> None:
    """The merged catalog builds (no id defined twice) and knows each language's plural rule."""
    assert translations(language).ngettext("x", "y", 1) in ("x", "y")
    assert {entry.path for entry in catalog(language).values()} <= {
        str(p.relative_to(ROOT)) for p in (LOCALES / language).glob("*.po")
    }


def test_extraction_finds_the_code() -> None:
    """Guards the guard: extraction through babel.cfg sees the screens and the router."""
    files = {u.where.split(":")[0] for u in uses()}
    assert "telegram/screens/user/menu.py" in files and "telegram/routing/dispatcher.py" in files
    assert {"menu.welcome", "error.temporary"} <= used_ids().keys()


def test_message_ids_are_declared() -> None:
    """A key built at run time is invisible to extraction: it must be a declared literal (see the docstring)."""
    dynamic = [
        f"{u.where}: {u.use.function}(...) with a key that is not a declared literal" for u in uses() if u.use.key is None
    ]
    assert dynamic == [], "\n".join(dynamic)


KEYS_SAMPLE = '''
KIND_TEXT = {"topup": "ledger.kind.topup", "refund": "ledger.kind.refund"}
PAGES = ("pages.rules", "pages.terms")


async def screen(ctx, kind, key_param, rows):
    ctx.t("menu.main", name=ctx.user.first_name)
    key = "error.text" if ctx.command is None else "error.unknown_command"
    await ctx.reply(ctx.t(key))
    ctx.t.plain(KIND_TEXT[kind])
    ctx.t.n_plain(KIND_TEXT.get(kind, "ledger.kind.other"), 3, **rows)
    for page in PAGES:
        ctx.t(page)
    ctx.t(f"ledger.kind.{kind}")
    ctx.t(key_param)
'''


def test_message_uses_resolve_declared_keys_only() -> None:
    """Guards the guard: declared keys resolve, keys built at run time are reported as unresolved."""
    found = {(u.line, u.function, u.key, u.values) for u in message_uses(KEYS_SAMPLE)}
    assert found == {
        (7, "t", "menu.main", frozenset({"name"})),
        (9, "t", "error.text", frozenset()),
        (9, "t", "error.unknown_command", frozenset()),
        (10, "plain", "ledger.kind.topup", frozenset()),
        (10, "plain", "ledger.kind.refund", frozenset()),
        (11, "n_plain", "ledger.kind.topup", None),
        (11, "n_plain", "ledger.kind.refund", None),
        (11, "n_plain", "ledger.kind.other", None),
        (13, "t", "pages.rules", frozenset()),
        (13, "t", "pages.terms", frozenset()),
        (14, "t", None, frozenset()),
        (15, "t", None, frozenset()),
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_used_id_is_translated(language: str) -> None:
    entries = catalog(language)
    plurals = Catalog(locale=language).num_plurals
    problems = []
    for key, plural in sorted(used_ids().items()):
        entry = entries.get(key)
        if entry is None:
            problems.append(f"{key}: missing (used at {where_used(key)})")
        elif plural and not entry.plural:
            problems.append(f"{key}: used with n/n_plain but not a plural entry (msgid_plural, msgstr[0..{plurals - 1}])")
        elif plural and len(entry.forms) != plurals:
            problems.append(f"{key}: {len(entry.forms)} plural forms in {entry.path}, {language} has {plurals}")
        elif not plural and entry.plural:
            problems.append(f"{key}: a plural entry used with t/plain (use n/n_plain) at {where_used(key)}")
        elif not all(form.strip() for form in entry.forms):
            problems.append(f"{key}: empty translation in {entry.path}")
    assert problems == [], f"{language} catalog:\n" + "\n".join(problems)


def test_no_dead_messages() -> None:
    used = used_ids()
    dead = sorted(
        f"{key} ({entry.path})" for language in LANGUAGES for key, entry in catalog(language).items() if key not in used
    )
    hint = "entries no code uses (a key built at run time must be declared, see the docstring):\n"
    assert dead == [], hint + "\n".join(dead)


def test_calls_fill_every_placeholder() -> None:
    """`ctx.t("buy.confirm", title=..., price=...)` must pass every `{name}` of the template ({shop} is
    always filled, {count} by n/n_plain), or formatting raises KeyError at run time."""
    problems = []
    for u in uses():
        if u.use.key is None or u.use.values is None:
            continue
        given = u.use.values | {"shop"} | ({"count"} if u.use.function in PLURAL else set())
        for language in LANGUAGES:
            entry = catalog(language).get(u.use.key)
            if entry is None:
                continue
            try:
                needed = set().union(*(fields(form) for form in entry.forms))
            except ValueError:
                continue  # reported by test_templates_format
            if needed - given:
                problems.append(f"{u.where}: {u.use.key} ({language}) needs {sorted(needed - given)}")
    assert problems == [], "\n".join(problems)


# ----- templates: placeholders, formatting, HTML -------------------------------------------------------


def _all_templates() -> list[tuple[str, str, str]]:
    return [(language, key, form) for language in LANGUAGES for key, e in catalog(language).items() for form in e.forms]


def test_templates_format() -> None:
    """Named placeholders only (no `{}`, `{0}`, `{a.b}`), balanced braces, and every template formats
    with text values (Texts turns every value into text first)."""
    problems = []
    for language, key, template in _all_templates():
        try:
            names = fields(template)
            bad = sorted(n for n in names if not n.isidentifier())
            if bad:
                problems.append(f"{language} {key}: placeholders must be names, got {bad}")
                continue
            template.format(**{name: "x" for name in names})
        except (ValueError, KeyError, IndexError) as error:
            problems.append(f"{language} {key}: {type(error).__name__}: {error}")
    assert problems == [], "\n".join(problems)


def test_russian_keeps_the_english_placeholders() -> None:
    en, ru = catalog("en"), catalog("ru")
    problems = []
    for key in sorted(en.keys() & ru.keys()):
        try:
            expected = set().union(*(fields(form) for form in en[key].forms))
            for index, form in enumerate(ru[key].forms):
                if fields(form) != expected:
                    problems.append(f"{key}[{index}]: ru has {sorted(fields(form))}, en has {sorted(expected)}")
        except ValueError:
            continue  # reported by test_templates_format
    assert problems == [], "\n".join(problems)


def html_problems(template: str) -> list[str]:
    """Telegram HTML: known tags, properly nested, and no bare <, > or & outside tags and entities."""
    problems, open_tags = [], []
    for match in TAG.finditer(template):
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name not in TAGS:
            problems.append(f"tag <{name}> is not one of {sorted(TAGS)}")
        elif not closing:
            open_tags.append(name)
        elif not open_tags or open_tags.pop() != name:
            problems.append(f"</{name}> closes nothing open")
    if open_tags:
        problems.append(f"unclosed {['<' + t + '>' for t in open_tags]}")
    rest = ENTITY.sub("", TAG.sub("", template))
    if any(ch in rest for ch in "<>&"):
        problems.append("a bare <, > or & (write &lt; &gt; &amp;)")
    return problems


def tag_counts(template: str) -> Counter[str]:
    return Counter(m.group(2).lower() for m in TAG.finditer(template) if not m.group(1))


def test_html_is_well_formed_and_the_same_in_both_languages() -> None:
    html_keys = {u.use.key for u in uses() if u.use.function in ("t", "texts", "n")}
    plain_keys = {u.use.key for u in uses() if u.use.function in ("plain", "n_plain")}
    en, ru = catalog("en"), catalog("ru")
    problems = []
    for language, key, template in _all_templates():
        if key in html_keys:
            problems += [f"{language} {key}: {p}" for p in html_problems(template)]
        if key in plain_keys and tag_counts(template):
            problems.append(f"{language} {key}: used as plain text (plain/n_plain) but has HTML tags")
    for key in sorted(en.keys() & ru.keys()):
        expected = tag_counts(en[key].forms[-1])
        for index, form in enumerate(ru[key].forms):
            if tag_counts(form) != expected:
                problems.append(f"{key}[{index}]: ru tags {dict(tag_counts(form))}, en tags {dict(expected)}")
    assert problems == [], "\n".join(problems)


def test_html_check_catches_bad_markup() -> None:
    assert html_problems("<b>{title}</b> &amp; <a href=\"{url}\">more</a>") == []
    assert html_problems("<b>open") and html_problems("<b><i>x</b></i>") and html_problems("<div>x</div>")
    assert html_problems("1 < 2") and html_problems("Q&A")


# ----- Russian plurals -------------------------------------------------------------------------------------


def test_russian_plurals_pick_the_right_form() -> None:
    ru = catalog("ru")
    plural_keys = sorted(key for key, entry in ru.items() if entry.plural)
    assert plural_keys, "no plural message yet (the profile's purchase count, read with ctx.t.n, is one)"
    gettext = translations("ru")
    problems = []
    for key in plural_keys:
        forms = ru[key].forms
        if len(set(forms)) < len(forms):
            problems.append(f"{key}: forms are not all different, so the choice cannot be checked: {forms}")
            continue
        for n, form in RUSSIAN_FORMS.items():
            if gettext.ngettext(key, key, n) != forms[form]:
                problems.append(f"{key}: n={n} should use msgstr[{form}]")
    assert problems == [], "\n".join(problems)


# ----- literals in screen code -------------------------------------------------------------------------------


def test_screens_show_no_literal_text() -> None:
    found = [
        line
        for path in sorted((ROOT / "telegram" / "screens").rglob("*.py"))
        for line in find_literals(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert found == [], "user-visible literals outside the catalogs:\n" + "\n".join(found)


BAD_SCREEN = '''
import logging
from telegram.routing import keyboard

log = logging.getLogger(__name__)
BACK = "Back to menu"


async def screen(ctx, data, units, lines, user, n, empty):
    """A docstring is not shown to anyone."""
    log.info("handled %s", data)
    await ctx.reply("Hello")
    await ctx.show(ctx.t("menu.main"), keyboard([("Buy now", BuyItem(item_id=1))], [(BACK, OpenMenu())]))
    await ctx.notify(f"Only {n} left", alert=True)
    text = "Nothing here" if empty else ctx.t("shop.items")
    await ctx.show(text)
    await ctx.reply(ctx.t("menu.welcome", name=user.first_name or "friend"))
    await ctx.send_long(ctx.t("buy.delivery"), filename=f"purchase-{n}.txt", file_text=units, caption=ctx.t("x"))
    await ctx.bot.send_document(ctx.chat_id, "goods.txt", b"", caption="Your file")
    await ctx.reply("\\n".join(lines), keyboard([(ctx.t.plain("button.back"), OpenMenu())]))
    await ctx.notify("🙂")
    await ctx.shop.store.kv.set(f"pending:{user.id}", "x")
'''


def test_literal_scan_reports_bad_screen_code() -> None:
    """The scanner must not pass silently: a sample with known literals is reported exactly."""
    found = find_literals(BAD_SCREEN, "bad.py")
    assert found == [
        "bad.py:6: \"Back to menu\"",
        "bad.py:12: \"Hello\"",
        "bad.py:13: \"Buy now\"",
        "bad.py:14: f\"Only {n} left\"",
        "bad.py:15: \"Nothing here\"",
        "bad.py:17: \"friend\"",
        "bad.py:19: \"Your file\"",
    ]
