"""The buyer's own purchases: the history, newest first, and one purchase with its goods again.

A purchase is read only through its owner: every query is scoped to the asking user, so another
user's id, an unknown one and a malformed one all look the same to the caller (None).
"""

import re
import uuid

from tortoise.transactions import in_transaction

from storage.models import Purchase
from storage.paging import paginate
from storage.purchases import redelivery
from storage.records import Delivered, Page, PurchaseRow

# The form a purchase id takes in a button: the UUID's 32 hex digits.
PURCHASE_ID = re.compile(r"[0-9a-f]{32}")


def purchase_row(purchase: Purchase) -> PurchaseRow:
    return PurchaseRow(
        id=purchase.id.hex,
        item_id=purchase.item_id,
        item_title=purchase.item_title,
        quantity=purchase.quantity,
        total=purchase.total,
        created_at=purchase.created_at,
    )


async def purchase_history(user_id: int, page: int, size: int) -> Page[PurchaseRow]:
    """Page `page` of the user's purchases, newest first (the (user_id, created_at) index)."""
    async with in_transaction() as conn:
        query = Purchase.filter(user_id=user_id).using_db(conn).order_by("-created_at", "-id")
        return await paginate(query, page, size, purchase_row)


async def purchase_of(user_id: int, purchase_id: str) -> Delivered | None:
    """The purchase `purchase_id` (32 hex digits) with its goods, when it is `user_id`'s; None for
    anything else. Nothing is charged: the goods are the ones delivered at purchase."""
    if not PURCHASE_ID.fullmatch(purchase_id):
        return None
    async with in_transaction() as conn:
        purchase = await Purchase.filter(id=uuid.UUID(hex=purchase_id), user_id=user_id).using_db(conn).first()
        if purchase is None:
            return None
        return await redelivery(conn, purchase)
