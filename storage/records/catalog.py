"""The catalog: categories and items as buyers see them (and a new item to create), and as the staff
sees them (hidden ones too)."""

from decimal import Decimal

from storage.kinds import ItemKind
from storage.records.base import Page, Record


class CategoryRecord(Record, frozen=True):
    id: int
    name: str
    # Visible items directly in this category (not in its subcategories).
    item_count: int
    parent_id: int | None = None
    # Visible items in its subcategories (one level: a subcategory has none).
    nested_count: int = 0


class ItemRecord(Record, frozen=True):
    id: int
    category_id: int
    title: str
    description: str
    price: Decimal
    kind: ItemKind
    # Units left of a "unique" item; None for kinds that never run out.
    stock_left: int | None
    photo: str | None = None
    rating_count: int = 0
    # Average rating to one decimal place; None before the first review.
    rating: Decimal | None = None


class CategoryPage(Record, frozen=True):
    """One page of a category's screen: its visible subcategories, then its visible items, as one list.

    `parent_name` names the category above a subcategory (`category.parent_id`). `back_page` is the
    page of the list above (the parent's screen, or the shop's categories) that shows this category.
    """

    category: CategoryRecord
    parent_name: str | None
    entries: Page[CategoryRecord | ItemRecord]
    subcategory_count: int
    back_page: int = 1


class ItemCard(Record, frozen=True):
    """A visible item and the page of its category's screen that lists it (where Back goes)."""

    item: ItemRecord
    category_page: int


class NewItem(Record, frozen=True):
    """An item to create (operator commands, bulk imports). By kind: "unique" items take stock units
    later; "unlimited" ones deliver `content` to every buyer; "file" ones deliver the document
    `file_name`/`file_data`. `photo` is a Telegram file_id or an https URL."""

    title: str
    price: Decimal
    description: str = ""
    kind: str = "unique"
    content: str = ""
    file_name: str | None = None
    file_data: bytes | None = None
    photo: str | None = None
    hidden: bool = False


class AdminCategory(Record, frozen=True):
    """A category as the staff sees it: hidden ones too; `items` counts its items that are not deleted."""

    id: int
    name: str
    hidden: bool
    parent_id: int | None
    items: int


class AdminItem(Record, frozen=True):
    """An item as the staff sees it (never its content or file)."""

    id: int
    category_id: int
    title: str
    description: str
    price: Decimal
    kind: ItemKind
    stock_left: int
    hidden: bool
    photo: str | None


class CategoryTree(Record, frozen=True):
    """A category (None: the top level), its subcategories and its items, for the staff's catalog screen."""

    category: AdminCategory | None
    children: list[AdminCategory]
    items: list[AdminItem]
