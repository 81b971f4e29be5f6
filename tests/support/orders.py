"""Orders and payments made straight through the store (no chat): the buyers, a top-up's amounts,
opening and paying orders, reading balances and ledgers, and running calls all at once."""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from decimal import Decimal

import trio

from storage import ItemRecord, PaymentEvent, PaymentRecord, PurchaseRequest, ReferralTerms, Settled, Store

# The shop's owner and three buyers, as every store-level payment test registers them.
OWNER_ID = 1
BUYER = 5001
OTHER = 5002
REFERRER = 5003
TTL = timedelta(minutes=30)
# A top-up of 5.00 paid as 500 Stars.
TOP_UP = Decimal("5.00")
STARS = 500


async def register(store: Store, user_id: int, *, referrer_id: int | None = None) -> None:
    await store.register_user(
        user_id, username=None, first_name=f"u{user_id}", language_code="en", owner_id=OWNER_ID, referrer_id=referrer_id
    )


async def stars_order(
    store: Store, user_id: int = BUYER, *, amount: Decimal = TOP_UP, stars: int = STARS, ttl: timedelta = TTL
) -> PaymentRecord:
    """A pending top-up paid in Telegram Stars."""
    order = await store.open_order(user_id, "stars", amount, currency="XTR", provider_amount=stars, ttl=ttl)
    assert isinstance(order, PaymentRecord)
    return order


async def cryptopay_order(store: Store, invoice_id: str, *, ttl: timedelta = TTL) -> PaymentRecord:
    """A pending CryptoPay top-up of 5.00 USD whose invoice is out (its id attached at creation)."""
    order = await store.open_order(BUYER, "cryptopay", TOP_UP, currency="USD", provider_amount=500, ttl=ttl)
    assert isinstance(order, PaymentRecord)
    await store.attach_invoice(order.id, invoice_id, f"https://t.me/CryptoBot?start={invoice_id}")
    return order


def paid(order: PaymentRecord, external_id: str = "charge-1", **changes: object) -> PaymentEvent:
    """The provider's report that `order` was paid as invoiced (or with `changes`)."""
    fields: dict[str, object] = {
        "method": order.method, "order_id": order.id, "external_id": external_id,
        "currency": order.currency, "provider_amount": order.provider_amount,
        "provider_charge_id": f"provider-{external_id}" if order.method == "fiat" else None,
    }
    return PaymentEvent(**{**fields, **changes})  # type: ignore[arg-type]


async def settled(store: Store, event: PaymentEvent, referral: ReferralTerms | None = None) -> Settled:
    result = await store.settle_payment(event, referral)
    assert isinstance(result, Settled), result
    return result


async def paid_stars_top_up(store: Store, charge: str = "charge-1") -> PaymentRecord:
    order = await stars_order(store)
    return (await settled(store, paid(order, charge))).payment


async def balance(store: Store, user_id: int = BUYER) -> Decimal:
    user = await store.get_user(user_id)
    assert user is not None
    return user.balance


async def ledger(store: Store, user_id: int = BUYER) -> list[tuple[str, Decimal]]:
    """The user's balance changes, oldest first, as (kind, amount)."""
    rows = (await store.ledger_page(user_id, 1, 100)).rows
    return [(row.kind, row.amount) for row in reversed(rows)]


async def unique_item(store: Store, units: int, *, price: str = "3.00", title: str = "Key") -> ItemRecord:
    """A "unique" item with `units` stock units."""
    if not await store.list_categories():
        await store.add_category("Keys")
    item = await store.add_item("Keys", title, Decimal(price))
    if units:
        await store.add_stock(title, [f"{title}-{n}" for n in range(units)])
    return item


async def buy(store: Store, item: ItemRecord, key: str, user_id: int = BUYER, quantity: int = 1) -> object:
    (result,) = await store.buy([PurchaseRequest(key=key, user_id=user_id, item_id=item.id, quantity=quantity)])
    return result


async def direct_order(store: Store, item: ItemRecord, quantity: int = 1, **options: object) -> PaymentRecord:
    """A pending Stars order that buys `quantity` of `item` at its price (100 Stars a unit of money)."""
    amount = Decimal(options.pop("amount", item.price * quantity))  # type: ignore[arg-type]
    order = await store.open_order(
        BUYER, "stars", amount, currency="XTR", provider_amount=int(amount * 100), ttl=TTL, item_id=item.id,
        quantity=quantity, **options,
    )
    assert isinstance(order, PaymentRecord), order
    return order


async def all_at_once[T](calls: list[Callable[[], Awaitable[T]]]) -> list[T]:
    """Run every call in its own trio task, all started together; results in call order."""
    results: list[T] = [None] * len(calls)  # type: ignore[list-item]

    async def run(index: int) -> None:
        results[index] = await calls[index]()

    async with trio.open_nursery() as nursery:
        for index in range(len(calls)):
            nursery.start_soon(run, index)
    return results
