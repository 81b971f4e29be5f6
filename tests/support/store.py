"""The store set up and read directly, beside the chat: goods and stock, purchases through the
purchase use case, buyers with a balance, promo redemptions."""

from decimal import Decimal

from storage import Delivered, PurchaseRequest, Store
from storage.models import PromoRedemption


async def seed_item(store: Store, *, title: str = "Space <Game> & Co", price: str = "10.00", units: list[str]) -> None:
    await store.add_category("Games")
    await store.add_item("Games", title, Decimal(price), "Region <free> & fast")
    await store.add_stock(title, units)


async def add_goods(store: Store, title: str, *, price: str = "10.00", units: int = 5, category: str = "Goods") -> int:
    """An item with `units` keys named "<title>-K<n>"; returns its id. The category is created once."""
    if not any(c.name == category for c in await store.list_categories()):
        await store.add_category(category)
    item = await store.add_item(category, title, Decimal(price))
    await store.add_stock(title, [f"{title}-K{n}" for n in range(1, units + 1)])
    return item.id


async def bought(store: Store, user_id: int, item_id: int, *, quantity: int = 1, key: str) -> Delivered:
    """One purchase through the purchase use case itself (the serializer's own call)."""
    [result] = await store.buy([PurchaseRequest(key=key, user_id=user_id, item_id=item_id, quantity=quantity)])
    assert isinstance(result, Delivered), result
    return result


async def shop_with_items(store: Store, *, users: range = range(700, 703), balance: str = "100.00") -> dict[str, int]:
    """Games (with the subcategory Retro) and Apps, ten keys each, and `users` holding `balance`; items by title → id."""
    await store.add_category("Games")
    await store.add_category("Retro", parent="Games")
    await store.add_category("Apps")
    ids = {}
    for category, title, price in (("Games", "Quest", "3.33"), ("Retro", "Pong", "10.00"), ("Apps", "Editor", "20.00")):
        ids[title] = (await store.add_item(category, title, Decimal(price))).id
        await store.add_stock(title, [f"{title}-{n}" for n in range(10)])
    for user_id in users:
        await store.register_user(user_id, username=None, first_name=f"u{user_id}", language_code="en", owner_id=1)
        await store.credit_user(user_id, Decimal(balance), kind="topup", reason="test")
    return ids


async def redemptions(store: Store, code: str) -> list[tuple[int, Decimal, str | None]]:
    """The uses of promo code `code`, oldest first: (user id, amount, purchase id or None)."""

    async def read() -> list[tuple[int, Decimal, str | None]]:
        rows = PromoRedemption.filter(promo__code=code).order_by("id").values_list("user_id", "amount", "purchase_id")
        return [(user, amount, str(purchase) if purchase else None) for user, amount, purchase in await rows]

    return await store.cross(read)
