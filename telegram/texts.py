"""Every text the bot shows comes from the catalogs through `Texts`, one instance per language.

Templates are Telegram HTML with `{name}` placeholders. Values are HTML-escaped when they are put in,
because titles, descriptions, names and keys are typed by people; `Safe` marks a value that is
already HTML. `{shop}` is always the shop's name. A Decimal value is money, written as the reader's
language writes numbers (Babel's patterns: grouped thousands, its decimal sign).
"""

import html
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.numbers import format_decimal

from telegram.config import ShopSettings
from telegram.i18n import translations

# Babel's number patterns: groups of three, two decimals; the signed one puts "+" before a credit.
MONEY_FORMAT = "#,##0.00"
SIGNED_FORMAT = "+#,##0.00;-#,##0.00"


class Safe(str):
    """A value that is already Telegram HTML and must not be escaped again."""


class Texts:
    """Looks up a message by id in one language's catalog and fills it in."""

    def __init__(self, shop: ShopSettings, language: str) -> None:
        self.shop = shop
        self.language = language
        self._catalog = translations(language)
        self._locale = Locale.parse(language)

    def __call__(self, key: str, **values: Any) -> str:
        """Telegram HTML: values are escaped."""
        return self._fill(self._catalog.gettext(key), values, escape=True)

    def plain(self, key: str, **values: Any) -> str:
        """For places that show no HTML (button labels, callback answers)."""
        return self._fill(self._catalog.gettext(key), values, escape=False)

    def n(self, key: str, count: int, **values: Any) -> str:
        """The plural form of `key` for `count` (Russian has three), as Telegram HTML."""
        return self._fill(self._catalog.ngettext(key, key, count), {"count": count, **values}, escape=True)

    def n_plain(self, key: str, count: int, **values: Any) -> str:
        return self._fill(self._catalog.ngettext(key, key, count), {"count": count, **values}, escape=False)

    def money(self, amount: Decimal) -> str:
        """An amount as its reader reads numbers, then the shop's currency: 1,234.50 USD in English,
        1 234,50 USD in Russian (a no-break space groups the thousands)."""
        return f"{self.number(amount)} {self.shop.currency}"

    def number(self, amount: Decimal, *, signed: bool = False) -> str:
        """An amount with two decimals, grouped in the reader's language; `signed`: "+" before a
        positive one too."""
        return format_decimal(amount, format=SIGNED_FORMAT if signed else MONEY_FORMAT, locale=self._locale)

    def _fill(self, template: str, values: dict[str, Any], *, escape: bool) -> str:
        shop = html.escape(self.shop.name) if escape else self.shop.name
        convert = self._html if escape else self._plain
        return template.format(shop=shop, **{name: convert(value) for name, value in values.items()})

    def _html(self, value: Any) -> str:
        if isinstance(value, Safe):
            return value
        if isinstance(value, Decimal):
            return html.escape(self.money(value))
        return html.escape(str(value), quote=False)

    def _plain(self, value: Any) -> str:
        return self.money(value) if isinstance(value, Decimal) else str(value)


def code_block(values: tuple[str, ...] | list[str]) -> Safe:
    """Each secret in its own <code> block, escaped so a key with < & > shows exactly."""
    return Safe("\n".join(f"<code>{html.escape(v, quote=False)}</code>" for v in values))
