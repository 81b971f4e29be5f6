"""Errors of the storage room.

    StorageError
    ├── StorageUnavailable      the database cannot be reached (mapped from tortoise's DBConnectionError)
    ├── StorageConflict         a unique key was taken meanwhile (another process won a race)
    ├── UnknownUser             the user id has no row (they have not /started the bot)
    ├── InsufficientBalance     a debit outside a purchase would take the balance below zero
    ├── UnknownCategory         no category by that name
    ├── UnknownItem             no item by that title
    ├── UnknownPromo            no promo code by that code
    ├── Duplicate               a unique name or title is taken
    ├── NestingTooDeep          a subcategory cannot have subcategories (one level)
    ├── InvalidItem             an item's fields do not fit together (a "file" item without a file, …)
    ├── NotStockable            stock units are for "unique" items only
    ├── UnknownPermission       not one of the admin permissions
    ├── OwnerProtected          the owner cannot be blocked, demoted or made an admin
    ├── StaffRefused            a staff member may not do this (storage.staff_rules), refusal audited
    ├── InvalidAudience         a broadcast audience other than all, buyers or lang:<code>
    ├── CategoryNotEmpty        a category still holds items or subcategories
    ├── CatalogRowRejected      a row of a catalog import is wrong (its line and column named)
    ├── StockKeyError           the stock key is unreadable, malformed, or not the one the stock is sealed with
    └── SealBroken              a stock unit does not open with the stock key (altered, or another key)

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


class UnknownPromo(StorageError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown promo code {code!r}")
        self.code = code


class Duplicate(StorageError):
    def __init__(self, what: str, value: str) -> None:
        super().__init__(f"{what} {value!r} already exists")
        self.what = what
        self.value = value


class NestingTooDeep(StorageError):
    def __init__(self, name: str, parent: str) -> None:
        super().__init__(f"category {parent!r} is a subcategory: {name!r} cannot go under it (one level of subcategories)")
        self.name = name
        self.parent = parent


class InvalidItem(StorageError):
    def __init__(self, title: str, reason: str) -> None:
        super().__init__(f"item {title!r}: {reason}")
        self.title = title
        self.reason = reason


class NotStockable(StorageError):
    def __init__(self, title: str, kind: str) -> None:
        super().__init__(f"item {title!r} is of kind {kind!r}: only 'unique' items take stock units")
        self.title = title
        self.kind = kind


class UnknownPermission(StorageError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown permission {name!r}: use {', '.join(known)}")
        self.name = name


class OwnerProtected(StorageError):
    def __init__(self, user_id: int, action: str) -> None:
        super().__init__(f"user {user_id} is the owner: cannot {action}")
        self.user_id = user_id
        self.action = action


class StaffRefused(StorageError):
    """`actor_id` may not do `action` to `target`, by `rule`: "money" (needs the owner or the money
    permission), "own_balance" (nobody adjusts their own balance) or "owner" (the owner alone)."""

    def __init__(self, actor_id: int, action: str, target: str, rule: str) -> None:
        super().__init__(f"user {actor_id} may not {action} {target}: {rule}")
        self.actor_id = actor_id
        self.action = action
        self.target = target
        self.rule = rule


class InvalidAudience(StorageError):
    def __init__(self, audience: str) -> None:
        super().__init__(f"unknown audience {audience!r}: use all, buyers or lang:<code>")
        self.audience = audience


class CategoryNotEmpty(StorageError):
    def __init__(self, name: str, items: int, subcategories: int) -> None:
        super().__init__(f"category {name!r} still holds {items} item(s) and {subcategories} subcategory(ies)")
        self.name = name
        self.items = items
        self.subcategories = subcategories


class CatalogRowRejected(StorageError):
    def __init__(self, line: int, column: str, reason: str) -> None:
        super().__init__(f"line {line}, column {column}: {reason}")
        self.line = line
        self.column = column
        self.reason = reason


class StockKeyError(StorageError):
    pass


class SealBroken(StorageError):
    pass
