"""Which CryptoPay invoice a buyer already holds, on SQLite and PostgreSQL: the same order's unpaid
invoice is found to be shown again (item, quantity and promo code included), and the unpaid ones are
counted against the cap."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import itertools

import pytest

from storage import InvoiceLimit, PaymentEvent, PaymentRecord, Settled, StorageSettings, Store, open_store

BUYER, OTHER = 5001, 5002
TTL = timedelta(minutes=60)
INVOICE_IDS = itertools.count(101)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=database_url)) as opened:
        for user_id in (BUYER, OTHER):
            await opened.register_user(user_id, username=None, first_name="u", language_code="en", owner_id=1, referrer_id=None)
        yield opened


async def crypto_order(
    store: Store, amount: str, *, user_id: int = BUYER, item_id: int | None = None, quantity: int = 1, invoice: bool = True
) -> PaymentRecord:
    """An open CryptoPay order, with its invoice attached unless `invoice` is False (createInvoice failed)."""
    order = await store.open_order(
        user_id, "cryptopay", Decimal(amount), currency="USD", provider_amount=int(Decimal(amount) * 100), ttl=TTL,
        item_id=item_id, quantity=quantity,
    )
    assert isinstance(order, PaymentRecord), order
    if invoice:
        invoice_id = str(next(INVOICE_IDS))
        await store.attach_invoice(order.id, invoice_id, f"https://t.me/CryptoBot?start=IV{invoice_id}")
    return order


async def held(
    store: Store, amount: str, *, user_id: int = BUYER, item_id: int | None = None, quantity: int = 1,
    promo_code: str | None = None, payable_for: timedelta = timedelta(minutes=30), limit: int = 3,
) -> PaymentRecord | InvoiceLimit | None:
    return await store.crypto_invoice_for(
        user_id, Decimal(amount), currency="USD", provider_amount=int(Decimal(amount) * 100), item_id=item_id,
        quantity=quantity, promo_code=promo_code, payable_until=datetime.now(UTC) + payable_for, limit=limit,
    )


async def test_the_same_orders_unpaid_invoice_is_found(store: Store) -> None:
    await store.add_category("Keys")
    item = await store.add_item("Keys", "Quest", Decimal("2.50"))
    await store.add_stock("Quest", ["K1", "K2", "K3"])
    top_up = await crypto_order(store, "5.00")
    purchase = await crypto_order(store, "5.00", item_id=item.id, quantity=2)

    assert (await held(store, "5.00")) == await store.get_payment(top_up.id)
    found = await held(store, "5.00", item_id=item.id, quantity=2)
    assert isinstance(found, PaymentRecord) and found.id == purchase.id and found.pay_url is not None
    # Another quantity, amount, promo code or buyer is another order; so is one about to expire.
    assert await held(store, "5.00", item_id=item.id, quantity=1) is None
    assert await held(store, "7.00") is None
    assert await held(store, "5.00", item_id=item.id, quantity=2, promo_code="SAVE") is None
    assert await held(store, "5.00", user_id=OTHER) is None
    assert await held(store, "5.00", payable_for=TTL + timedelta(minutes=1)) is None

    # Paid, it is no longer held.
    invoice_id = (await store.get_payment(top_up.id)).external_id
    event = PaymentEvent(method="cryptopay", order_id=top_up.id, external_id=invoice_id, currency="USD", provider_amount=500)
    assert isinstance(await store.settle_payment(event), Settled)
    assert await held(store, "5.00") is None


async def test_unpaid_invoices_are_capped_per_buyer(store: Store) -> None:
    for amount in ("1.00", "2.00"):
        await crypto_order(store, amount)
    await crypto_order(store, "3.00", invoice=False)  # createInvoice failed: no invoice to count
    assert await held(store, "9.00") is None
    await crypto_order(store, "4.00")
    assert await held(store, "9.00") == InvoiceLimit(held=3, limit=3)
    assert await held(store, "9.00", user_id=OTHER) is None
    # The cap does not hide what the buyer holds.
    assert isinstance(await held(store, "4.00"), PaymentRecord)
    # Expired orders are not held.
    await store.expire_orders(now=datetime.now(UTC) + TTL)
    assert await held(store, "9.00") is None
