"""The CryptoPay twin judged by aiocryptopay, a client we did not write: every method it offers that the twin
has, parsed by its pydantic models, and the twin's refusals read as its CryptoPayAPIError. The webhook is
judged in test_cryptopay_conformance_webhook.py."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import trio
from aiocryptopay import AioCryptoPay
from aiocryptopay.exceptions.factory import CodeErrorFactory
from aiocryptopay.models.invoice import Invoice

from telegram.cryptopay.twin import CryptoPayTwin
from telegram.cryptopay.twin.market import ASSETS, FIATS
from tests.support.aiocryptopay_judge import TOKEN, judge, serve
from tests.support.clock import ManualClock

NOW = datetime.fromtimestamp(ManualClock().now, UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def twin(clock: ManualClock) -> CryptoPayTwin:
    return CryptoPayTwin(TOKEN, clock=clock)


@pytest.fixture
async def url(twin: CryptoPayTwin, nursery: trio.Nursery) -> str:
    return await serve(twin, nursery)


async def shop_invoice(crypto: AioCryptoPay, payload: str = "purchase:7") -> Invoice:
    """createInvoice with every parameter the shop sends."""
    return await crypto.create_invoice(
        amount=4.99, currency_type="fiat", fiat="USD", accepted_assets=["USDT", "TON"],
        description="Top up 4.99 USD", payload=payload, expires_in=900,
    )  # fmt: skip


async def test_get_me(url: str) -> None:
    me = await judge(url, lambda crypto: crypto.get_me())
    assert (me.app_id, me.payment_processing_bot_username) == (1, "CryptoBot")


async def test_create_invoice_as_the_shop_does(url: str) -> None:
    invoice = await judge(url, shop_invoice)
    assert (invoice.status, invoice.currency_type, invoice.fiat, invoice.asset) == ("active", "fiat", "USD", None)
    assert (invoice.amount, invoice.accepted_assets, invoice.payload) == (4.99, ["USDT", "TON"], "purchase:7")
    assert invoice.bot_invoice_url == f"https://t.me/CryptoBot?start={invoice.hash}"
    assert invoice.mini_app_invoice_url.startswith(f"https://t.me/CryptoBot/app?startapp=invoice-{invoice.hash}")
    assert invoice.web_app_invoice_url == f"https://app.send.tg/invoices/{invoice.hash}"
    assert (invoice.allow_comments, invoice.allow_anonymous) == (True, True)
    assert invoice.created_at == NOW and invoice.expiration_date == "2026-05-28T20:41:40.000Z"
    assert (invoice.paid_at, invoice.paid_amount, invoice.fee_amount) == (None, None, None)


async def test_create_invoice_with_the_other_parameters(url: str) -> None:
    async def create(crypto: AioCryptoPay) -> Invoice:
        return await crypto.create_invoice(
            amount=2.5, asset="TON", description="Ticket 🎟", hidden_message="See you there",
            paid_btn_name="openBot", paid_btn_url="https://t.me/shop_bot", allow_comments=False,
            allow_anonymous=False, swap_to="USDT",
        )  # fmt: skip

    invoice = await judge(url, create)
    assert (invoice.currency_type, invoice.asset, invoice.amount, invoice.fiat) == ("crypto", "TON", 2.5, None)
    assert (invoice.description, invoice.hidden_message) == ("Ticket 🎟", "See you there")
    assert (invoice.paid_btn_name, invoice.paid_btn_url) == ("openBot", "https://t.me/shop_bot")
    assert (invoice.allow_comments, invoice.allow_anonymous, invoice.swap_to) == (False, False, "USDT")
    assert (invoice.expiration_date, invoice.payload, invoice.accepted_assets) == (None, None, None)


async def test_get_invoices_by_ids_by_status_and_in_pages(url: str, twin: CryptoPayTwin) -> None:
    created = await judge(url, _create_four)
    ids = [invoice.invoice_id for invoice in created]
    twin.mark_paid(ids[1], asset="TON")
    twin.mark_expired(ids[2])

    async def read(crypto: AioCryptoPay) -> list:
        return [
            await crypto.get_invoices(invoice_ids=[ids[3], ids[1]]),
            await crypto.get_invoices(invoice_ids=ids[1]),  # one id: aiocryptopay gives the invoice, not a list
            await crypto.get_invoices(status="paid"),
            await crypto.get_invoices(status="active"),
            await crypto.get_invoices(offset=1, count=2),
            await crypto.get_invoices(invoice_ids=[999]),
        ]

    by_ids, paid, paid_ones, active, page, none = await judge(url, read)
    assert [i.invoice_id for i in by_ids] == [ids[1], ids[3]]
    assert isinstance(paid, Invoice) and paid.invoice_id == ids[1] and paid.status == "paid"
    # 4.99 USD at the twin's 3.5 USD a TON; CryptoPay keeps 3%, priced in USD at the same rate.
    assert (paid.paid_asset, paid.paid_amount, paid.paid_fiat_rate, paid.paid_usd_rate) == ("TON", 1.42571429, 3.5, 3.5)
    assert (paid.fee_asset, paid.fee_amount, paid.fee_in_usd) == ("TON", 0.04277143, 0.1497)
    assert (paid.paid_at, paid.paid_anonymously, paid.comment) == (NOW, False, None)
    assert [i.invoice_id for i in paid_ones] == [ids[1]]
    assert [i.invoice_id for i in active] == [ids[0], ids[3]]
    assert [(i.invoice_id, i.status) for i in page] == [(ids[1], "paid"), (ids[2], "expired")]
    assert none is None  # aiocryptopay's word for an empty page


async def _create_four(crypto: AioCryptoPay) -> list[Invoice]:
    return [await shop_invoice(crypto, payload=str(n)) for n in range(4)]


async def test_delete_invoice(url: str) -> None:
    async def delete(crypto: AioCryptoPay) -> tuple[bool, object, CodeErrorFactory]:
        invoice = await shop_invoice(crypto)
        deleted = await crypto.delete_invoice(invoice.invoice_id)
        left = await crypto.get_invoices(invoice_ids=[invoice.invoice_id])
        try:
            await crypto.delete_invoice(invoice.invoice_id)
        except CodeErrorFactory as e:
            return deleted, left, e
        raise AssertionError("a second deleteInvoice was accepted")

    deleted, left, again = await judge(url, delete)
    assert (deleted, left, again.code, again.name) == (True, None, 400, "INVOICE_NOT_FOUND")


async def test_get_balance_counts_what_paid_invoices_brought_after_the_fee(url: str, twin: CryptoPayTwin) -> None:
    first, second = await judge(url, _create_two)
    twin.mark_paid(first.invoice_id)  # 4.99 USD in USDT, 1:1
    twin.mark_paid(second.invoice_id, asset="TON", paid_amount=Decimal("2"))
    balances = {b.currency_code: (b.available, b.onhold) for b in await judge(url, lambda crypto: crypto.get_balance())}
    assert set(balances) == ASSETS
    assert (balances["USDT"], balances["TON"], balances["BTC"]) == ((4.8403, 0), (1.94, 0), (0, 0))


async def _create_two(crypto: AioCryptoPay) -> list[Invoice]:
    return [await shop_invoice(crypto, payload="a"), await shop_invoice(crypto, payload="b")]


async def test_get_exchange_rates_and_what_aiocryptopay_computes_from_them(url: str) -> None:
    async def read(crypto: AioCryptoPay) -> tuple[list, float]:
        return await crypto.get_exchange_rates(), await crypto.get_amount_by_fiat(summ=35, asset="TON", target="USD")

    rates, ton_for_35_usd = await judge(url, read)
    assert {(r.source, r.target) for r in rates} == {(a, f) for a in ASSETS for f in FIATS}
    assert all(r.is_valid and r.is_crypto and not r.is_fiat for r in rates)
    assert ton_for_35_usd == 10


async def test_get_currencies(url: str) -> None:
    currencies = {c.code: c for c in await judge(url, lambda crypto: crypto.get_currencies())}
    assert set(currencies) == ASSETS | FIATS
    assert (currencies["USDT"].is_stablecoin, currencies["TON"].is_blockchain, currencies["TON"].decimals) == (True, True, 9)
    assert currencies["TON"].url == "https://ton.org/"
    assert (currencies["EUR"].is_fiat, currencies["EUR"].url) == (True, None)


async def test_get_stats_over_the_last_day_and_a_window_given(url: str, twin: CryptoPayTwin, clock: ManualClock) -> None:
    first, _ = await judge(url, _create_two)
    twin.mark_paid(first.invoice_id)
    clock.now += 2 * 86_400
    window = (NOW - timedelta(hours=1), NOW + timedelta(hours=1))

    async def read(crypto: AioCryptoPay) -> tuple:
        return await crypto.get_stats(), await crypto.get_stats(start_at=window[0], end_at=window[1])

    last_day, then = await judge(url, read)
    assert (last_day.created_invoice_count, last_day.paid_invoice_count, last_day.volume) == (0, 0, 0)
    assert last_day.end_at == NOW + timedelta(days=2) and last_day.start_at == NOW + timedelta(days=1)
    assert (then.created_invoice_count, then.paid_invoice_count, then.unique_users_count) == (2, 1, 1)
    assert (then.volume, then.conversion, then.start_at, then.end_at) == (4.99, 0.5, *window)


async def test_refusals_are_cryptopay_errors(url: str) -> None:
    async def refusals(crypto: AioCryptoPay) -> list[tuple[int | None, str | None]]:
        calls = [
            crypto.create_invoice(amount=0, asset="TON"),
            crypto.create_invoice(amount=1, asset="DOGE"),  # aiocryptopay knows DOGE; the twin does not take it
            crypto.create_invoice(amount=1, currency_type="fiat", fiat="USD", accepted_assets=["USDT", "XYZ"]),
            crypto.create_invoice(amount=1, asset="TON", expires_in=2_678_401),
            crypto.create_invoice(amount=1, asset="TON", paid_btn_name="viewItem"),
            crypto.get_invoices(count=1001),
            crypto.get_invoices(status="expired"),
            crypto.get_stats(start_at="yesterday"),
            crypto.create_check(asset="TON", amount=1),  # checks are not the twin's: no such method
        ]
        seen = []
        for call in calls:
            try:
                await call
            except CodeErrorFactory as e:
                seen.append((e.code, e.name))
        return seen

    assert await judge(url, refusals) == [
        (400, "AMOUNT_INVALID"), (400, "ASSET_INVALID"), (400, "ACCEPTED_ASSETS_INVALID"), (400, "EXPIRES_IN_INVALID"),
        (400, "PAID_BTN_URL_REQUIRED"), (400, "COUNT_INVALID"), (400, "STATUS_INVALID"), (400, "START_AT_INVALID"),
        (405, "METHOD_NOT_FOUND"),
    ]  # fmt: skip


async def test_a_wrong_token_is_unauthorized(url: str) -> None:
    async def call(crypto: AioCryptoPay) -> CodeErrorFactory:
        try:
            await crypto.get_me()
        except CodeErrorFactory as e:
            return e
        raise AssertionError("a wrong token was accepted")

    refused = await judge(url, call, token="12345:AAwrong")
    assert (refused.code, refused.name) == (401, "UNAUTHORIZED")
