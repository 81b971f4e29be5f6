"""What a staff member is told in the chat as it happens, and what the notices are about."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from storage.records.base import Record

type NoticeKind = Literal["sales", "digest", "low_stock", "payments", "disputes"]
# In the order the screens show them.
NOTICE_KINDS: tuple[NoticeKind, ...] = ("sales", "digest", "low_stock", "payments", "disputes")


class NoticeChoices(Record, frozen=True):
    """One staff member's choices; these defaults are everyone's until they choose (disputes were
    always told to every staff member). `digest_hour` is a UTC hour, 0 to 23."""

    sales: bool = False
    digest: bool = False
    digest_hour: int = 9
    low_stock: bool = False
    payments: bool = False
    disputes: bool = True

    def wants(self, kind: NoticeKind) -> bool:
        return bool(getattr(self, kind))


class RunningLow(Record, frozen=True):
    """An item whose stock lasts fewer days than the shop's threshold at its last 7 days' sales rate."""

    item_id: int
    title: str
    stock_left: int
    sold_7d: int
    # Days the stock lasts at that rate, to a tenth.
    days_left: Decimal


class StuckPaymentNotice(Record, frozen=True):
    """A payment still pending well past its expiry (the reconciler should have expired it), or one
    whose refund is not finished (`status` "refunding")."""

    payment_id: str
    user_id: int
    method: str
    status: str
    amount: Decimal
    expires_at: datetime


class SaleNotice(Record, frozen=True):
    """A purchase as the staff are told of it: who bought what, for how much."""

    purchase_id: str
    buyer_id: int
    buyer_name: str
    buyer_username: str | None
    item_title: str
    quantity: int
    total: Decimal
