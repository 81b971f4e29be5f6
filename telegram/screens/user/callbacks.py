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


class RateItem(CallbackData, prefix="rate"):
    """Start (or edit) the buyer's review of an item: offered after a purchase and in history."""

    item_id: int


class ShowReviews(CallbackData, prefix="revs"):
    """An item's reviews, newest first, one page at a time."""

    item_id: int
    page: int = 1
