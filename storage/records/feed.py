"""The shop's business-event feed: one event, and a page of them."""

from datetime import datetime
from decimal import Decimal

from storage.kinds import ShopEventKind
from storage.records.base import Record


class ShopEventRecord(Record, frozen=True):
    """One business event (see storage.feed_models.ShopEvent): `id` is its place in the feed,
    `subject` what it concerns ("purchase:…", "payment:…", "user:678", "item:9", or empty), `amount`
    the money in it (the shop's currency unless `currency` names another), `summary` plain text."""

    id: int
    kind: ShopEventKind
    created_at: datetime
    user_id: int | None
    subject: str
    amount: Decimal | None
    currency: str
    summary: str


class ShopEventPage(Record, frozen=True):
    """Events newest first; `before` is the id to ask for the next (older) page with, None at the end."""

    rows: list[ShopEventRecord]
    before: int | None
