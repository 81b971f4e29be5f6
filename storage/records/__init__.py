"""Plain records returned by store functions: nothing above storage touches an ORM object.

One module per concept (base: Record and Page; users; catalog; stock; promos; purchases; payments;
reviews; staff; statistics; dashboard; exports; web; feed; notices). This package is their door inside
storage: store modules import `from storage.records import …`; other rooms get the records from `storage`.
"""

from storage.records.base import Page, Record
from storage.records.catalog import (
    AdminCategory,
    AdminItem,
    CategoryPage,
    CategoryRecord,
    CategoryTree,
    ItemCard,
    ItemRecord,
    NewItem,
)
from storage.records.dashboard import Dashboard, Funnel, KpiCards, RunwayItem, StuckPayment
from storage.records.exports import ExportCell, ExportCursor, ExportPage
from storage.records.feed import ShopEventPage, ShopEventRecord
from storage.records.notices import NOTICE_KINDS, NoticeChoices, NoticeKind, RunningLow, SaleNotice, StuckPaymentNotice
from storage.records.payments import (
    AlreadyBought,
    InvoiceLimit,
    PaymentEvent,
    PaymentProblem,
    PaymentRecord,
    PaymentRejected,
    PreCheckoutReason,
    RefundReason,
    RefundRefused,
    RefundStarted,
    Settled,
)
from storage.records.promos import PromoCredited, PromoDiscount, PromoReason, PromoRecord, PromoRefusal
from storage.records.purchases import (
    Delivered,
    InsufficientFunds,
    ItemFile,
    ItemUnavailable,
    PriceChanged,
    PromoRejected,
    PurchasePreview,
    PurchaseRequest,
    PurchaseResult,
    PurchaseRow,
    SoldOut,
)
from storage.records.reviews import ItemReviews, NotABuyer, ReviewRecord, ReviewSaved, ReviewTarget
from storage.records.staff import AuditRecord, BroadcastRecord, ShopSwitches
from storage.records.statistics import DaySales, LowStockItem, ShopStatistics, TopItem
from storage.records.stock import CatalogImport, CatalogRow, StockImport, StockUnitRecord
from storage.records.users import LedgerMismatch, LedgerRow, Profile, ReferralTerms, UserRecord
from storage.records.web import NewWebSession, SignInLink, WebSessionRecord

__all__ = [
    "NOTICE_KINDS",
    "NoticeChoices",
    "NoticeKind",
    "RunningLow",
    "SaleNotice",
    "StuckPaymentNotice",
    "ShopEventPage",
    "ShopEventRecord",
    "Dashboard",
    "Funnel",
    "KpiCards",
    "RunwayItem",
    "StuckPayment",
    "NewWebSession",
    "SignInLink",
    "WebSessionRecord",
    "Page",
    "Record",
    "AdminCategory",
    "AdminItem",
    "CategoryPage",
    "CategoryRecord",
    "CategoryTree",
    "ItemCard",
    "ItemRecord",
    "NewItem",
    "ExportCell",
    "ExportCursor",
    "ExportPage",
    "AlreadyBought",
    "InvoiceLimit",
    "PaymentEvent",
    "PaymentProblem",
    "PaymentRecord",
    "PaymentRejected",
    "PreCheckoutReason",
    "RefundReason",
    "RefundRefused",
    "RefundStarted",
    "Settled",
    "PromoCredited",
    "PromoDiscount",
    "PromoReason",
    "PromoRecord",
    "PromoRefusal",
    "Delivered",
    "InsufficientFunds",
    "ItemFile",
    "ItemUnavailable",
    "PriceChanged",
    "PromoRejected",
    "PurchasePreview",
    "PurchaseRequest",
    "PurchaseResult",
    "PurchaseRow",
    "SoldOut",
    "ItemReviews",
    "NotABuyer",
    "ReviewRecord",
    "ReviewSaved",
    "ReviewTarget",
    "AuditRecord",
    "BroadcastRecord",
    "ShopSwitches",
    "DaySales",
    "LowStockItem",
    "ShopStatistics",
    "TopItem",
    "CatalogImport",
    "CatalogRow",
    "StockImport",
    "StockUnitRecord",
    "LedgerMismatch",
    "LedgerRow",
    "Profile",
    "ReferralTerms",
    "UserRecord",
]
