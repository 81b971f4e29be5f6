"""The receipt of a bought order, and the buttons onward under money received.

Drawn by the purchase's own screen (a Confirm's answer) and by the payment desk (a Stars payment that
bought the order, a credited payment), which gets them when the shop is wired (RECEIPTS, see
telegram.payments.receipts): however an order was paid, its screen ends the same way.
"""

import uuid

from storage import Delivered
from telegram.payments import Receipts
from telegram.payments.receipts import Screen
from telegram.routing import Row, keyboard
from telegram.screens.user.callbacks import OpenMenu, OpenPurchase, OpenShop, RateItem
from telegram.texts import Texts
from telegram.types import InlineKeyboardMarkup


def receipt(t: Texts, delivered: Delivered) -> Screen:
    """ "Purchase complete", with a review, the purchase to open again (its goods are sent again: the
    way back to them whenever the delivery above is lost), and the way on."""
    text = t(
        "buy.done", title=delivered.item_title, quantity=delivered.quantity, total=delivered.total, balance=delivered.balance
    )
    markup = keyboard(
        [(t.plain("buy.button_rate"), RateItem(item_id=delivered.item_id))],
        [(t.plain("buy.button_goods"), OpenPurchase(purchase_id=uuid.UUID(delivered.purchase_id).hex))],
        _onward_row(t),
    )
    return text, markup


def onward(t: Texts) -> InlineKeyboardMarkup:
    """The buttons under a message that credited the balance: on to the shop, or the main menu."""
    return keyboard(_onward_row(t))


def _onward_row(t: Texts) -> Row:
    return [(t.plain("button.shop"), OpenShop()), (t.plain("button.main_menu"), OpenMenu())]


RECEIPTS = Receipts(receipt=receipt, onward=onward)
