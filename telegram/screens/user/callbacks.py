"""The buttons of the buyer's screens. They carry ids only; prices and stock are re-read on press."""

from telegram.callback_data import CallbackData


class OpenMenu(CallbackData, prefix="menu"):
    pass


class OpenShop(CallbackData, prefix="shop"):
    pass


class OpenProfile(CallbackData, prefix="prof"):
    pass


class OpenCategory(CallbackData, prefix="cat"):
    category_id: int


class OpenItem(CallbackData, prefix="item"):
    item_id: int


class BuyItem(CallbackData, prefix="buy"):
    item_id: int


class ConfirmPurchase(CallbackData, prefix="ok"):
    item_id: int
