"""Errors of the storage room: outages (the store could not do the work now) and refusals (the
store will not do it, and trying again changes nothing).

    StorageError
    ├── StorageOutage               the database could not do the work now; the same request may succeed later
    │   ├── StorageUnavailable      the database (or Redis) is out of reach or out of resources: connection refused
    │   │                           or lost, the server shutting down, no connection slot, a full disk
    │   ├── StorageBusy             a lock or serialization conflict still there after the store's retries, or a
    │   │                           lock waited for past the database's timeout
    │   └── StorageConflict         a concurrent writer changed what this transaction relied on (a race lost)
    │       ├── StockOutOfStep      (storage.purchases) units promised by the stock counter were sold meanwhile
    │       ├── BalanceOutOfStep    (storage.purchases) a balance fell below a batch's debit meanwhile
    │       └── PromoOutOfStep      (storage.promos) a promo code's uses ran out meanwhile
    └── StorageRefusal              an expected "no": the request does not fit the shop's data or rules
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
        ├── SealBroken              a stock unit does not open with the stock key (altered, or another key)
        └── DatabaseRefused         the database refused the statement for a reason no retry changes (a value
                                    its column cannot hold, a query the schema does not fit): a bug of the store

Where the database's own errors land is decided in one place, `Store.cross` (storage.bridge). A caller
that meets an outage may say "try again"; a refusal it did not expect is a bug, never "try again" (see
telegram.routing.dispatcher).

Expected purchase outcomes (sold out, not enough balance) are not errors: they are `PurchaseResult`
variants in `storage.records`. `AlreadyHandled`, outside the tree, is no failure either: a use case
asked to act once per update found that update's effect done already (a replay after a crash).
"""

from decimal import Decimal


class StorageError(Exception):
    """Base of every error raised by the storage room: either a StorageOutage or a StorageRefusal."""


class StorageOutage(StorageError):
    """The database could not do the work now. Nothing was changed (the use case's transaction was
    rolled back), and the same request may succeed later: "try again" is honest."""


class StorageUnavailable(StorageOutage):
    """The database (or Redis) is out of reach or out of resources: see the tree above."""


class StorageBusy(StorageOutage):
    """Other transactions held what this one needed: a SQLite write lock or a PostgreSQL
    serialization failure or deadlock still there after the store's retries (storage.bridge.RETRIES),
    or a PostgreSQL lock waited for past its lock_timeout (not retried: it has waited already)."""


class StorageConflict(StorageOutage):
    """A concurrent writer changed what this transaction relied on: a unique key taken meanwhile (the
    database's integrity error, e.g. two processes registering one user), or a conditional update
    that found the row moved since it was read (the OutOfStep subclasses).

    An outage, not a refusal, because the store never judged the request: the same kind of race as
    a serialization failure, only reported by a unique key or a row count instead. Trying again meets
    the winner's state and gets the true answer (done, or a refusal such as Duplicate). An integrity
    error that a bug causes (a use case that skipped its own check) lands here too: the log's
    warning names the use case and the constraint."""


class StorageRefusal(StorageError):
    """An expected "no" to the request: it does not fit the shop's data or rules, and asking again
    gets the same answer. A caller that does not handle it has a bug."""


class UnknownUser(StorageRefusal):
    def __init__(self, user_id: int) -> None:
        super().__init__(f"unknown user {user_id}: they must /start the bot first")
        self.user_id = user_id


class InsufficientBalance(StorageRefusal):
    def __init__(self, user_id: int, balance: Decimal, amount: Decimal) -> None:
        super().__init__(f"user {user_id} has {balance}, cannot debit {-amount}")
        self.user_id = user_id
        self.balance = balance
        self.amount = amount


class UnknownCategory(StorageRefusal):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown category {name!r}")
        self.name = name


class UnknownItem(StorageRefusal):
    def __init__(self, title: str) -> None:
        super().__init__(f"unknown item {title!r}")
        self.title = title


class UnknownPromo(StorageRefusal):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown promo code {code!r}")
        self.code = code


class Duplicate(StorageRefusal):
    def __init__(self, what: str, value: str) -> None:
        super().__init__(f"{what} {value!r} already exists")
        self.what = what
        self.value = value


class NestingTooDeep(StorageRefusal):
    def __init__(self, name: str, parent: str) -> None:
        super().__init__(f"category {parent!r} is a subcategory: {name!r} cannot go under it (one level of subcategories)")
        self.name = name
        self.parent = parent


class InvalidItem(StorageRefusal):
    def __init__(self, title: str, reason: str) -> None:
        super().__init__(f"item {title!r}: {reason}")
        self.title = title
        self.reason = reason


class NotStockable(StorageRefusal):
    def __init__(self, title: str, kind: str) -> None:
        super().__init__(f"item {title!r} is of kind {kind!r}: only 'unique' items take stock units")
        self.title = title
        self.kind = kind


class UnknownPermission(StorageRefusal):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown permission {name!r}: use {', '.join(known)}")
        self.name = name


class OwnerProtected(StorageRefusal):
    def __init__(self, user_id: int, action: str) -> None:
        super().__init__(f"user {user_id} is the owner: cannot {action}")
        self.user_id = user_id
        self.action = action


class StaffRefused(StorageRefusal):
    """`actor_id` may not do `action` to `target`, by `rule`: "money" (needs the owner or the money
    permission), "own_balance" (nobody adjusts their own balance) or "owner" (the owner alone)."""

    def __init__(self, actor_id: int, action: str, target: str, rule: str) -> None:
        super().__init__(f"user {actor_id} may not {action} {target}: {rule}")
        self.actor_id = actor_id
        self.action = action
        self.target = target
        self.rule = rule


class InvalidAudience(StorageRefusal):
    def __init__(self, audience: str) -> None:
        super().__init__(f"unknown audience {audience!r}: use all, buyers or lang:<code>")
        self.audience = audience


class CategoryNotEmpty(StorageRefusal):
    def __init__(self, name: str, items: int, subcategories: int) -> None:
        super().__init__(f"category {name!r} still holds {items} item(s) and {subcategories} subcategory(ies)")
        self.name = name
        self.items = items
        self.subcategories = subcategories


class CatalogRowRejected(StorageRefusal):
    def __init__(self, line: int, column: str, reason: str) -> None:
        super().__init__(f"line {line}, column {column}: {reason}")
        self.line = line
        self.column = column
        self.reason = reason


class StockKeyError(StorageRefusal):
    pass


class SealBroken(StorageRefusal):
    """A refusal, not an outage: the unit will not open later either (see storage.vault)."""


class DatabaseRefused(StorageRefusal):
    """The database or its driver refused the statement for a reason that trying again does not
    change: a value its column cannot hold, a query the schema does not fit, a driver error the store
    does not know as an outage. The store checks what it writes, so this is a bug of the store's;
    the original error is its cause."""


class AlreadyHandled(Exception):
    """The update a use case was asked to do once (`once=update_id`) was handled already: its effect
    happened before a crash, and this is the replay. The use case changed nothing. Not a
    StorageError: nothing failed, and the caller does nothing more."""

    def __init__(self, update_id: int) -> None:
        super().__init__(f"update {update_id} was handled already")
        self.update_id = update_id
