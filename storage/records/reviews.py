"""Reviews of items by their buyers."""

from datetime import datetime

from storage.records.base import Page, Record
from storage.records.catalog import ItemRecord


class ReviewRecord(Record, frozen=True):
    """One buyer's review of an item; `first_name` is the reviewer's, as Telegram last told us."""

    id: int
    item_id: int
    user_id: int
    first_name: str
    rating: int  # 1..5
    text: str  # as typed; may be empty
    updated_at: datetime


class ReviewTarget(Record, frozen=True):
    """An item a buyer may review, with their review of it so far."""

    item: ItemRecord
    current: ReviewRecord | None


class ReviewSaved(Record, frozen=True):
    """The review as stored and the item with its new rating; `edited` when it replaced an earlier one."""

    item: ItemRecord
    review: ReviewRecord
    edited: bool


class NotABuyer(Record, frozen=True):
    """Only a buyer of the item may review it."""

    item_id: int


class ItemReviews(Record, frozen=True):
    item: ItemRecord
    page: Page[ReviewRecord]
