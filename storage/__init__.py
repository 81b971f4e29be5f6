"""The data room: models, migrations, one transactional function per use case, the asyncio bridge.

Other rooms use only what is named here.
"""

from storage.access import Access, Granted, Need, Refused, may
from storage.bridge import Store, open_store
from storage.catalog import PHOTO_REF
from storage.config import StorageSettings, backend_of
from storage.config import ConfigSection, hidden, mask_url
from storage.errors import (
    CategoryNotEmpty, Duplicate, InsufficientBalance, InvalidAudience, InvalidItem, NestingTooDeep, NotStockable, OwnerProtected, StorageError, StorageUnavailable,
    UnknownCategory, UnknownItem, UnknownPermission, UnknownPromo, UnknownUser,
)
from storage.errors import AlreadyHandled, CatalogRowRejected, StaffRefused, StockKeyError
from storage.errors import DatabaseRefused, StorageBusy, StorageConflict, StorageOutage, StorageRefusal
from storage.exports import EXPORT_TABLES
from storage.kv import KeyValue
from storage.vault import parse_stock_key
from storage.staff import PERMISSIONS
from storage.kinds import BroadcastStatus, ItemKind, LedgerKind, PaymentMethod, PaymentStatus, Permission, PromoKind, Role
from storage.models import CENT
from storage.promos import PROMO_CODE
from storage.quoting import ERROR_LIMIT, shortened
from storage.records import (
    AdminCategory,
    AdminItem,
    AlreadyBought,
    AuditRecord,
    BroadcastRecord,
    CategoryPage,
    CategoryTree,
    CategoryRecord,
    Delivered,
    InsufficientFunds,
    InvoiceLimit,
    ItemCard,
    ItemFile,
    ItemRecord,
    ItemReviews,
    ItemUnavailable,
    LedgerMismatch,
    LedgerRow,
    NewItem,
    NotABuyer,
    Page,
    PaymentEvent,
    PaymentRecord,
    PaymentRejected,
    PreCheckoutReason,
    RefundRefused,
    RefundStarted,
    Settled,
    ShopSwitches,
    Profile,
    PriceChanged,
    PromoCredited,
    PromoDiscount,
    PromoRecord,
    PromoRefusal,
    PromoRejected,
    PurchasePreview,
    PurchaseRequest,
    PurchaseResult,
    PurchaseRow,
    ReferralTerms,
    ReviewRecord,
    ReviewSaved,
    ReviewTarget,
    SoldOut,
    UserRecord,
    DaySales,
    LowStockItem,
    ShopStatistics,
    TopItem,
    ExportCell,
    ExportCursor,
    ExportPage,
    CatalogImport,
    CatalogRow,
    StockImport,
    StockUnitRecord,
)

__all__ = [
    "parse_stock_key",
    "StockKeyError",
    "AlreadyHandled",
    "CENT",
    "InvalidItem", "ItemCard", "NestingTooDeep", "NewItem", "NotStockable", "PHOTO_REF",
    "AuditRecord", "LedgerRow", "Profile", "PurchaseRow", "ReferralTerms",
    "PROMO_CODE", "PriceChanged", "PromoCredited", "PromoDiscount", "PromoRecord", "PromoRefusal", "PromoRejected", "UnknownPromo",
    "CategoryPage", "CategoryRecord", "Delivered", "Duplicate", "InsufficientBalance", "InsufficientFunds", "ItemRecord",
    "ItemFile", "ItemReviews", "ItemUnavailable", "LedgerMismatch", "NotABuyer", "Page", "PurchasePreview", "PurchaseRequest",
    "PurchaseResult", "ReviewRecord", "ReviewSaved", "ReviewTarget", "SoldOut", "Store",
    "StorageError", "StorageSettings", "StorageUnavailable", "UnknownCategory", "UnknownItem", "UnknownUser",
    "UserRecord", "backend_of", "open_store",
    "AdminCategory", "AdminItem", "CategoryNotEmpty", "CategoryTree", "BroadcastRecord", "InvalidAudience", "OwnerProtected", "PERMISSIONS", "Permission", "ShopSwitches", "UnknownPermission",
    "PaymentEvent", "PaymentRecord", "PaymentRejected", "PreCheckoutReason", "RefundRefused", "RefundStarted", "Settled",
    "AlreadyBought",
    "InvoiceLimit",
    "DaySales", "LowStockItem", "ShopStatistics", "TopItem",
    "EXPORT_TABLES", "ExportCell", "ExportCursor", "ExportPage",
    "CatalogImport", "CatalogRow", "CatalogRowRejected", "StockImport", "StockUnitRecord",
    "ConfigSection", "hidden", "mask_url",
    "StaffRefused",
    "Access", "Granted", "Need", "Refused", "may",
    "DatabaseRefused", "StorageBusy", "StorageConflict", "StorageOutage", "StorageRefusal",
    "ERROR_LIMIT", "shortened",
    "KeyValue",
    # The kinds the records carry (string enums: each compares equal to its value).
    "BroadcastStatus", "ItemKind", "LedgerKind", "PaymentMethod", "PaymentStatus", "PromoKind", "Role",
]
