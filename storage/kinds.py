"""The kinds the shop's rows take (roles, permissions, ledger kinds, item kinds, payment methods and
states, broadcast states, promo kinds): string enums stored as their values, shared by the models,
the use cases and the records they return."""

from enum import StrEnum


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"
    OWNER = "owner"


class Permission(StrEnum):
    """What an admin may do; the owner may do everything, and alone manages admins."""

    CATALOG = "catalog"  # categories, items, discount codes
    STOCK = "stock"
    USERS = "users"  # find, the card, ledger and purchases; block buyers (an admin: the owner alone)
    PAYMENTS = "payments"  # refunds, the payments of a user
    BROADCAST = "broadcast"
    STATISTICS = "statistics"
    # Making money: balance adjustments and credit promo codes. Only the owner grants it.
    MONEY = "money"


class LedgerKind(StrEnum):
    TOPUP = "topup"
    PURCHASE = "purchase"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"
    REFERRAL = "referral"
    PROMO = "promo"
    # A payment given back to the payer (a refund): the credit it made is taken back.
    REVERSAL = "reversal"
    # A referral reward taken back because the top-up that earned it was refunded.
    REWARD_REVERSAL = "reward_reversal"


class ItemKind(StrEnum):
    UNIQUE = "unique"  # each unit (a key, an account) is sold once
    UNLIMITED = "unlimited"  # the same content to every buyer
    FILE = "file"  # a document sent to every buyer


class PaymentMethod(StrEnum):
    STARS = "stars"  # Telegram Stars (XTR)
    FIAT = "fiat"  # Telegram Payments through a provider token
    CRYPTOPAY = "cryptopay"  # Crypto Bot's CryptoPay


class PaymentStatus(StrEnum):
    PENDING = "pending"  # the invoice is out, not paid
    PAID = "paid"  # credited (and, for a direct purchase, bought)
    EXPIRED = "expired"  # not paid in time; a payment that still arrives is credited all the same
    REFUNDING = "refunding"  # the ledger is reversed and the provider is being asked to refund
    REFUNDED = "refunded"


class BroadcastStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    DONE = "done"


class PromoKind(StrEnum):
    PERCENT = "percent"  # off the order total
    FIXED = "fixed"  # an amount off the order total
    CREDIT = "credit"  # an amount added to the balance


class ShopEventKind(StrEnum):
    """What a row of the shop's business-event feed (storage.feed) tells of."""

    PURCHASE = "purchase"
    PAYMENT = "payment"  # a payment credited
    REFUND = "refund"
    REGISTRATION = "registration"
    STAFF = "staff"  # an action of the staff (the audit log's non-security rows)
    SECURITY = "security"  # a refused or suspicious attempt (the audit log's security rows, repeats not)
    DISPUTE = "dispute"
    CRASH = "crash"  # an actor crashed (and is being restarted)
