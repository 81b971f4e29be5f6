"""A user and their account: the profile's figures, the ledger's rows and the check of its sums, the referral terms."""

from datetime import datetime
from decimal import Decimal

from storage.kinds import LedgerKind, Role
from storage.records.base import Record


class UserRecord(Record, frozen=True):
    id: int
    username: str | None
    first_name: str
    language_code: str | None
    # Chosen in Profile; None means "follow language_code".
    language: str | None
    role: Role
    balance: Decimal
    blocked: bool
    # An admin's permissions (storage.models.Permission values); the owner needs none.
    permissions: tuple[str, ...] = ()


class Profile(Record, frozen=True):
    """The numbers of the buyer's profile and referral screens, read together in one use case."""

    user: UserRecord
    # What the buyer's purchases cost them, and how many purchases they made.
    spent: Decimal
    purchases: int
    # Users who registered through this user's link, and what their top-ups earned this user.
    referrals: int
    referral_earned: Decimal


class LedgerRow(Record, frozen=True):
    """One balance change: `amount` is signed (credits > 0)."""

    id: int
    amount: Decimal
    kind: LedgerKind
    reason: str
    created_at: datetime


class LedgerMismatch(Record, frozen=True):
    user_id: int
    balance: Decimal
    ledger_sum: Decimal


class ReferralTerms(Record, frozen=True):
    """What a referrer earns from each credited top-up of a user they invited (the [shop] referral keys).

    `percent` of the top-up, rounded down to the cent; a cap of 0 means no cap.
    """

    percent: Decimal
    cap_per_referral: Decimal = Decimal(0)
    cap_total: Decimal = Decimal(0)
