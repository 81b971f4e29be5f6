"""What the desk shows of the buyer's screens, handed to it when the shop is wired (actors.shop).

The screens open orders through the desk, so the desk cannot import them (an import cycle). At
start-up the screens room hands it how a bought order's receipt and the buttons under a credit look,
the very ones the buyer sees after a Confirm, so an order paid with Stars ends on the same screen.
"""

from collections.abc import Callable
from dataclasses import dataclass

from storage import Delivered
from telegram.texts import Texts
from telegram.types import InlineKeyboardMarkup

type Screen = tuple[str, InlineKeyboardMarkup]


@dataclass(frozen=True, kw_only=True)
class Receipts:
    """`receipt(t, delivered)`: the text and buttons of a bought order's screen, in `t`'s language.
    `onward(t)`: the buttons under a message that credited the buyer's balance."""

    receipt: Callable[[Texts, Delivered], Screen]
    onward: Callable[[Texts], InlineKeyboardMarkup]
