"""The buttons of the buyer's screens. They carry ids only; prices and stock are re-read on press."""

from decimal import Decimal

from telegram.callback_data import CallbackData


class OpenMenu(CallbackData, prefix="menu"):
    pass


class OpenShop(CallbackData, prefix="shop"):
    """The shop's categories, one page at a time."""

    page: int = 1


class OpenProfile(CallbackData, prefix="prof"):
    pass


class PurchaseHistory(CallbackData, prefix="hist"):
    """The buyer's purchases, newest first, one page at a time."""

    page: int = 1


class OpenPurchase(CallbackData, prefix="purc"):
    """One purchase shown again with its goods. `purchase_id` is the UUID's 32 hex digits, checked
    against the presser on the server (a forged id is refused); `page` is the history page to go
    back to."""

    purchase_id: str
    page: int = 1


class BalanceHistory(CallbackData, prefix="ledg"):
    """Every change of the buyer's balance, newest first, one page at a time."""

    page: int = 1


class OpenReferrals(CallbackData, prefix="refs"):
    pass


class ChooseLanguage(CallbackData, prefix="lang"):
    pass


class SetLanguage(CallbackData, prefix="setlang"):
    """`language` is checked against the shop's languages on press."""

    language: str


class OpenCategory(CallbackData, prefix="cat"):
    """A category's subcategories and items, one page at a time (a page past the end shows the last)."""

    category_id: int
    page: int = 1


class StartSearch(CallbackData, prefix="find"):
    """Ask for the text to search item titles for (the main menu's button)."""


class SearchPage(CallbackData, prefix="srch"):
    """A page of search results. The query itself stays on the server (the key-value store, under
    the user and `tag`, a short digest of the query): typed text does not fit in 64 bytes."""

    tag: str
    page: int = 1


class OpenItem(CallbackData, prefix="item"):
    item_id: int


class BuyItem(CallbackData, prefix="buy"):
    item_id: int


class ConfirmPurchase(CallbackData, prefix="ok"):
    """The order as the buyer saw it: a purchase that would cost anything but `total` is refused.

    `order` is drawn at random when the confirmation is shown: every press of this one button (a
    double tap, a press seen twice) is the same order and buys once."""

    item_id: int
    quantity: int
    total: Decimal
    order: str


class RedeemPromo(CallbackData, prefix="redeem"):
    """Ask for a credit promo code to add to the balance (the main menu's button)."""


class RateItem(CallbackData, prefix="rate"):
    """Start (or edit) the buyer's review of an item: offered after a purchase and in history."""

    item_id: int


class ShowReviews(CallbackData, prefix="revs"):
    """An item's reviews, newest first, one page at a time."""

    item_id: int
    page: int = 1


class OpenHelp(CallbackData, prefix="help"):
    """The Help screen: the shop's help text and its Rules / Support / Terms / Privacy pages."""


class TopUp(CallbackData, prefix="topup"):
    """Ask how much to add to the balance (Profile's button, and the answer to a short balance)."""


class TopUpAmount(CallbackData, prefix="tamt"):
    """An amount to top up by (a preset button, or the typed amount's confirmation): the methods
    to pay with. `amount` is checked against the configured bounds on press."""

    amount: Decimal


class PayWith(CallbackData, prefix="pay"):
    """Top up by `amount` with `method` ("stars", "fiat", "cryptopay"): both checked on press."""

    method: str
    amount: Decimal


class PayItem(CallbackData, prefix="payi"):
    """Buy the order on the confirmation screen directly with Stars, without the balance: `total`
    is what the buyer saw; a different price refuses the order. `order` is the screen's order, the
    same as its ConfirmPurchase's: whichever route pays it, the order is bought once."""

    item_id: int
    quantity: int
    total: Decimal
    order: str


class CheckPayment(CallbackData, prefix="chk"):
    """Ask CryptoPay whether the order's invoice is paid. `order` is the order id's 32 hex digits,
    checked against the presser."""

    order: str


class OpenDispute(CallbackData, prefix="dispute"):
    """Ask the buyer to describe a payment problem for the staff (/paysupport's button)."""
