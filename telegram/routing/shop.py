"""What the screens may use of the shop: handed to them at start-up by the actors."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from storage import PurchaseRequest, PurchaseResult, Store
from telegram.config import ShopSettings


class PurchaseUnavailable(Exception):
    """The purchase serializer could not answer (it failed or is stopping); nothing was charged."""


@dataclass(frozen=True, kw_only=True)
class Shop:
    """The screens' interface to the shop.

    `store` answers reads and simple writes (one transaction each); `buy` hands a purchase to the
    purchase serializer and waits for its result, raising PurchaseUnavailable when there is none.
    """

    store: Store
    buy: Callable[[PurchaseRequest], Awaitable[PurchaseResult]]
    settings: ShopSettings
    owner_id: int
