"""Errors of the storage room.

    StorageError
    ├── StorageUnavailable      the database cannot be reached (mapped from tortoise's DBConnectionError)
    ├── StorageConflict         a unique key was taken meanwhile (another process won a race)
    ├── UnknownUser             the user id has no row (they have not /started the bot)
    ├── InsufficientBalance     a debit outside a purchase would take the balance below zero
    ├── UnknownCategory         no category by that name
    ├── UnknownItem             no item by that title
    └── Duplicate               a unique name or title is taken

Expected purchase outcomes (sold out, not enough balance) are not errors: they are `PurchaseResult`
variants in `storage.records`.
"""

from decimal import Decimal


class StorageError(Exception):
    """Base of every error raised by the storage room."""


class StorageUnavailable(StorageError):
    pass


class StorageConflict(StorageError):
    pass


class UnknownUser(StorageError):
    def __init__(self, user_id: int) -> None:
        super().__init__(f"unknown user {user_id}: they must /start the bot first")
        self.user_id = user_id


class InsufficientBalance(StorageError):
    def __init__(self, user_id: int, balance: Decimal, amount: Decimal) -> None:
        super().__init__(f"user {user_id} has {balance}, cannot debit {-amount}")
        self.user_id = user_id
        self.balance = balance
        self.amount = amount


class UnknownCategory(StorageError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown category {name!r}")
        self.name = name


class UnknownItem(StorageError):
    def __init__(self, title: str) -> None:
        super().__init__(f"unknown item {title!r}")
        self.title = title


class Duplicate(StorageError):
    def __init__(self, what: str, value: str) -> None:
        super().__init__(f"{what} {value!r} already exists")
        self.what = what
        self.value = value
