"""The shop's languages: gettext catalogs kept as .po files, read with Babel at start-up.

Message ids are keys ("buy.confirm"), not English sentences, so English is a catalog like any other
and a missing translation is a missing entry in either language, which a test looks for. Each
language's catalog may be split over several .po files (one per area of the bot) in
`telegram/locales/<language>/`; they are merged and compiled in memory, so there is no build step and
no compiled file in the repository. Plural forms come from each catalog's Plural-Forms header
(Russian has three).

Which ids the code uses is found at development time, not here: see `telegram.message_ids` (Babel's
extraction method for `make messages` and the translation tests).
"""

import functools
import gettext
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("en", "ru")
LOCALES = Path(__file__).parent / "locales"


@functools.cache
def translations(language: str) -> gettext.GNUTranslations:
    """The merged catalog of one language; a message id defined in two files is an error."""
    paths = sorted((LOCALES / language).glob("*.po"))
    if not paths:
        # Without its catalogs the shop would answer in message ids ("catalog.shop"): refuse to start.
        raise FileNotFoundError(
            f"no message catalogs for {language!r} in {LOCALES}: the package was installed without its data files"
        )
    merged = Catalog(locale=language)
    for path in paths:
        with path.open("rb") as f:
            part = read_po(f, locale=language)
        for message in part:
            if not message.id:
                continue
            if message.id in merged:
                raise ValueError(f"{path}: message {message.id!r} is defined twice for {language!r}")
            merged[message.id] = message
    compiled = BytesIO()
    write_mo(compiled, merged)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def pick_language(chosen: str | None, telegram_code: str | None, default: str) -> str:
    """The user's choice, else their Telegram language when the shop speaks it, else the default."""
    if chosen in LANGUAGES:
        return chosen
    base = (telegram_code or "").split("-", 1)[0].lower()
    return base if base in LANGUAGES else default
