"""The data room: models, migrations, one transactional function per use case, the asyncio bridge.

Other rooms use only what is named here.
"""

from storage.bridge import Store, open_store
from storage.config import StorageSettings, backend_of
from storage.errors import Duplicate, InsufficientBalance, StorageError, StorageUnavailable, UnknownCategory, UnknownItem, UnknownUser
from storage.records import (
    CategoryPage,
    CategoryRecord,
    Delivered,
    InsufficientFunds,
    ItemRecord,
    ItemUnavailable,
    LedgerMismatch,
    Page,
    PurchasePreview,
    PurchaseRequest,
    PurchaseResult,
    SoldOut,
    UserRecord,
)

__all__ = [
    "CategoryPage", "CategoryRecord", "Delivered", "Duplicate", "InsufficientBalance", "InsufficientFunds", "ItemRecord",
    "ItemUnavailable", "LedgerMismatch", "Page", "PurchasePreview", "PurchaseRequest", "PurchaseResult", "SoldOut", "Store",
    "StorageError", "StorageSettings", "StorageUnavailable", "UnknownCategory", "UnknownItem", "UnknownUser",
    "UserRecord", "backend_of", "open_store",
]
