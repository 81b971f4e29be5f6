"""Every text the bot shows, in one place, so that translating the bot is a swap of this table.

Templates are Telegram HTML. Values are HTML-escaped when they are put in, because titles,
descriptions, names and keys are typed by people; `Safe` marks a value that is already HTML.
"""

import html
from decimal import Decimal
from typing import Any

from telegram.config import ShopSettings

ENGLISH: dict[str, str] = {
    "menu.welcome": "Welcome to <b>{shop}</b>, {name}!\nChoose what you need below.",
    "menu.main": "<b>{shop}</b>\nChoose what you need below.",
    "button.shop": "🛍 Shop",
    "button.profile": "👤 Profile",
    "button.back": "‹ Back",
    "button.main_menu": "🏠 Main menu",
    "button.buy": "Buy",
    "button.confirm": "✅ Confirm",
    "button.cancel": "Cancel",
    "shop.categories": "<b>Shop</b>\nChoose a category:",
    "shop.empty": "<b>Shop</b>\nThe shop has nothing for sale yet.",
    "shop.category_button": "{name} ({count})",
    "shop.items": "<b>{category}</b>\nChoose an item:",
    "shop.no_items": "<b>{category}</b>\nNothing for sale here right now.",
    "shop.item_button": "{title} · {price}",
    "item.card": "<b>{title}</b>\n{description}\n\nPrice: <b>{price}</b>\nIn stock: {left}",
    "item.gone": "This item is no longer for sale.",
    "buy.confirm": "Buy <b>{title}</b> for <b>{price}</b>?\nYour balance: {balance}",
    "buy.done": "✅ Purchase complete: <b>{title}</b> for {price}.\nBalance left: {balance}",
    "buy.delivery": "📦 <b>{title}</b>\n{units}\n\nPurchase {purchase_id}",
    "buy.delivery_file": "📦 <b>{title}</b>: your goods are in the file.",
    "buy.sold_out": "Sorry, this item is sold out.",
    "buy.no_funds": "Not enough balance: it costs {needed}, you have {balance}. Nothing was charged.",
    "buy.failed": "The purchase could not be completed right now. Nothing was charged; please try again.",
    "profile.card": "<b>Profile</b>\nID: <code>{id}</code>\nBalance: <b>{balance}</b>",
    "error.unknown_command": "I don't know that command. Use the menu below.",
    "error.text": "Please use the buttons below.",
    "error.stale_button": "That button is out of date. Here is the current screen.",
    "error.temporary": "Something went wrong on our side. Nothing was changed; please try again in a moment.",
}


class Safe(str):
    """A value that is already Telegram HTML and must not be escaped again."""


class Texts:
    """Looks up a text by key and fills it in; one instance per language."""

    def __init__(self, shop: ShopSettings, table: dict[str, str] = ENGLISH) -> None:
        self.shop = shop
        self.table = table

    def __call__(self, key: str, **values: Any) -> str:
        filled = {name: self._html(value) for name, value in values.items()}
        return self.table[key].format(shop=html.escape(self.shop.name), **filled)

    def plain(self, key: str, **values: Any) -> str:
        """For places that show no HTML (button labels, callback answers)."""
        return self.table[key].format(shop=self.shop.name, **{k: self._plain(v) for k, v in values.items()})

    def money(self, amount: Decimal) -> str:
        return f"{amount:.2f} {self.shop.currency}"

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
