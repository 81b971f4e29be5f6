"""The CryptoPay client against the twin, in process and over loopback HTTP: what the shop reads back."""

import logging
import traceback
from decimal import Decimal

import httpx
import msgspec
import pytest
import trio

from telegram.cryptopay import CryptoInvoice, CryptoPayClient, CryptoPayError, CryptoPayUnavailable
from telegram.cryptopay.twin import CryptoPayTwin, serve_twin
from tests.support.clock import ManualClock

from .conftest import TOKEN


async def create(pay: CryptoPayClient, amount: str = "4.99", payload: str = "purchase:7", expires_in: int = 900):
    return await pay.create_invoice(
        amount=Decimal(amount), fiat="USD", accepted_assets=["USDT", "TON"], description="Top up 4.99 USD",
        payload=payload, expires_in=expires_in,
    )


async def test_create_then_pay_reads_back_paid(pay: CryptoPayClient, twin: CryptoPayTwin) -> None:
    invoice = await create(pay)
    assert (invoice.status, invoice.amount, invoice.currency_type, invoice.fiat, invoice.asset) == (
        "active", Decimal("4.99"), "fiat", "USD", None)
    assert invoice.payload == "purchase:7"
    assert invoice.bot_invoice_url == f"https://t.me/CryptoBot?start={invoice.hash}"
    assert invoice.created_at.endswith("Z") and invoice.expiration_date is not None
    assert (invoice.paid_at, invoice.paid_amount, invoice.paid_asset) == (None, None, None)

    (active,) = await pay.get_invoices([invoice.invoice_id])
    assert active == invoice

    twin.mark_paid(invoice.invoice_id, asset="TON", paid_amount=Decimal("1.234567"))
    (paid,) = await pay.get_invoices([invoice.invoice_id])
    assert (paid.status, paid.paid_asset, paid.paid_amount) == ("paid", "TON", Decimal("1.234567"))
    assert paid.paid_at is not None and paid.amount == Decimal("4.99")


async def test_fiat_invoice_is_paid_one_to_one_in_usdt_by_default(pay: CryptoPayClient, twin: CryptoPayTwin) -> None:
    invoice = await create(pay, amount="10")
    twin.mark_paid(invoice.invoice_id)
    (paid,) = await pay.get_invoices([invoice.invoice_id])
    assert (paid.paid_asset, paid.paid_amount) == ("USDT", Decimal("10"))


async def test_an_active_invoice_reads_expired_once_its_time_has_passed(
    pay: CryptoPayClient, clock: ManualClock
) -> None:
    invoice = await create(pay, expires_in=60)
    clock.advance(59)
    assert [i.status for i in await pay.get_invoices([invoice.invoice_id])] == ["active"]
    clock.advance(1)
    assert [i.status for i in await pay.get_invoices([invoice.invoice_id])] == ["expired"]


async def test_trio_mock_clock_drives_expiry_with_the_default_clock(autojump_clock: trio.testing.MockClock) -> None:
    twin = CryptoPayTwin(TOKEN)
    async with CryptoPayClient(TOKEN, transport=twin.transport()) as pay:
        invoice = await create(pay, expires_in=3600)
        await trio.sleep(3599)
        assert (await pay.get_invoices([invoice.invoice_id]))[0].status == "active"
        await trio.sleep(1)
        assert (await pay.get_invoices([invoice.invoice_id]))[0].status == "expired"


async def test_mark_expired_ends_an_invoice_early(pay: CryptoPayClient, twin: CryptoPayTwin) -> None:
    invoice = await create(pay)
    twin.mark_expired(invoice.invoice_id)
    assert [i.status for i in await pay.get_invoices([invoice.invoice_id])] == ["expired"]


async def test_delete_invoice_removes_it(pay: CryptoPayClient) -> None:
    kept, deleted = await create(pay, payload="a"), await create(pay, payload="b")
    assert await pay.delete_invoice(deleted.invoice_id) is True
    assert [i.invoice_id for i in await pay.get_invoices([kept.invoice_id, deleted.invoice_id])] == [kept.invoice_id]
    with pytest.raises(CryptoPayError) as caught:
        await pay.delete_invoice(deleted.invoice_id)
    assert (caught.value.code, caught.value.name) == (400, "INVOICE_NOT_FOUND")
    assert not isinstance(caught.value, CryptoPayUnavailable)


async def test_get_invoices_asks_in_chunks_of_1000_and_returns_all(pay: CryptoPayClient, twin: CryptoPayTwin) -> None:
    first, second, third = [(await create(pay, payload=str(n))).invoice_id for n in range(3)]
    ids = [first, *range(10_000, 11_200), second, *range(20_000, 21_000), third]
    found = await pay.get_invoices(ids)
    assert sorted(i.invoice_id for i in found) == [first, second, third]
    counts = [int(params["count"]) for method, params in twin.calls if method == "getInvoices"]
    assert counts == [1000, 1000, 203]
    assert await pay.get_invoices([]) == []


async def test_get_me_checks_the_token(pay: CryptoPayClient) -> None:
    assert (await pay.get_me())["payment_processing_bot_username"] == "CryptoBot"


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ({"amount": Decimal("0")}, "AMOUNT_INVALID"),
        ({"amount": Decimal("-1")}, "AMOUNT_INVALID"),
        ({"expires_in": 0}, "EXPIRES_IN_INVALID"),
        ({"expires_in": 2_678_401}, "EXPIRES_IN_INVALID"),
        ({"payload": "x" * 4097}, "PAYLOAD_TOO_LONG"),
        ({"payload": "ж" * 2049}, "PAYLOAD_TOO_LONG"),  # 4098 bytes: the limit is bytes, not characters
        ({"description": "d" * 1025}, "DESCRIPTION_TOO_LONG"),
        ({"fiat": ""}, "FIAT_REQUIRED"),
        ({"fiat": "XYZ"}, "FIAT_INVALID"),
        ({"accepted_assets": ["USDT", "DOGE"]}, "ACCEPTED_ASSETS_INVALID"),
    ],
)
async def test_create_invoice_errors_raise_with_cryptopay_names(
    pay: CryptoPayClient, twin: CryptoPayTwin, changes: dict, name: str
) -> None:
    params = {"amount": Decimal("1"), "fiat": "USD", "accepted_assets": ["USDT"], "description": "d",
              "payload": "p", "expires_in": 60} | changes
    with pytest.raises(CryptoPayError) as caught:
        await pay.create_invoice(**params)
    assert (caught.value.code, caught.value.name, caught.value.method) == (400, name, "createInvoice")
    assert twin.invoices == {}


async def test_limits_themselves_are_accepted(pay: CryptoPayClient) -> None:
    invoice = await pay.create_invoice(amount=Decimal("0.01"), fiat="EUR", accepted_assets=["BTC"],
                                       description="d" * 1024, payload="ж" * 2048, expires_in=2_678_400)
    assert (invoice.fiat, len(invoice.payload.encode())) == ("EUR", 4096)
    assert (await pay.create_invoice(amount=Decimal("1E+2"), fiat="USD", accepted_assets=["USDT"],
                                     description="", payload="", expires_in=1)).amount == Decimal("100")


async def test_a_wrong_token_is_unauthorized(twin: CryptoPayTwin) -> None:
    async with CryptoPayClient("12345:AAwrong", transport=twin.transport()) as pay:
        with pytest.raises(CryptoPayError) as caught:
            await pay.get_invoices([1])
    assert (caught.value.code, caught.value.name) == (401, "UNAUTHORIZED")


async def test_the_token_never_shows_in_repr_errors_or_logs(
    twin: CryptoPayTwin, nursery: trio.Nursery, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "12345:AAthis-one-must-not-leak"
    port = await nursery.start(serve_twin, twin)
    errors: list[BaseException] = []
    async with CryptoPayClient(secret, f"http://127.0.0.1:{port}", timeout=5) as pay:
        assert secret not in repr(pay) and secret not in str(vars(pay))
        with pytest.raises(CryptoPayError) as caught:
            await pay.create_invoice(amount=Decimal("1"), fiat="USD", accepted_assets=["USDT"], description="d",
                                     payload="p", expires_in=60)
        errors.append(caught.value)
    async with CryptoPayClient(secret, "http://127.0.0.1:1", timeout=5) as unreachable:
        with pytest.raises(CryptoPayUnavailable) as caught:
            await unreachable.get_invoices([1])
        errors.append(caught.value)
    for error in errors:
        assert secret not in "".join(traceback.format_exception(error))
    assert caplog.records and not [r for r in caplog.records if secret in r.getMessage()]


async def test_an_unreachable_service_is_unavailable() -> None:
    async with CryptoPayClient(TOKEN, "http://127.0.0.1:1", timeout=5) as pay:
        with pytest.raises(CryptoPayUnavailable) as caught:
            await pay.get_me()
    assert (caught.value.code, caught.value.name) == (0, "NETWORK_ERROR")


async def test_timeouts_and_server_errors_are_unavailable() -> None:
    """A server we do not control misbehaving: stood in for by httpx's MockTransport."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/getMe":
            raise httpx.ReadTimeout("timed out", request=request)
        if request.url.path == "/api/deleteInvoice":
            return httpx.Response(502, text="<html>Bad Gateway</html>")
        return httpx.Response(404, text="<html>Not Found</html>")

    async with CryptoPayClient(TOKEN, transport=httpx.MockTransport(answer)) as pay:
        with pytest.raises(CryptoPayUnavailable) as timeout:
            await pay.get_me()
        with pytest.raises(CryptoPayUnavailable) as bad_gateway:
            await pay.delete_invoice(1)
        with pytest.raises(CryptoPayError) as not_cryptopay:
            await pay.get_invoices([1])
    assert (timeout.value.code, timeout.value.name) == (0, "TIMEOUT")
    assert (bad_gateway.value.code, bad_gateway.value.name) == (0, "HTTP_502")
    assert (not_cryptopay.value.code, not_cryptopay.value.name) == (404, "UNEXPECTED_RESPONSE")
    assert not isinstance(not_cryptopay.value, CryptoPayUnavailable)


async def test_a_transport_that_never_answers_times_out(autojump_clock: trio.testing.MockClock) -> None:
    async def never(request: httpx.Request) -> httpx.Response:
        await trio.sleep_forever()

    async with CryptoPayClient(TOKEN, transport=httpx.MockTransport(never), timeout=3) as pay:
        with pytest.raises(CryptoPayUnavailable) as caught:
            await pay.get_me()
    assert caught.value.name == "TIMEOUT"


def test_older_answers_with_only_pay_url_still_give_the_link() -> None:
    invoice = msgspec.json.decode(
        b'{"invoice_id": 5, "hash": "IVabc", "status": "active", "amount": "1.50", "currency_type": "fiat",'
        b' "fiat": "USD", "pay_url": "https://t.me/CryptoBot?start=IVabc", "created_at": "2026-06-01T12:00:00.000Z",'
        b' "allow_comments": true, "fee_amount": "0.03"}',
        type=CryptoInvoice,
    )
    assert invoice.bot_invoice_url == "https://t.me/CryptoBot?start=IVabc"
    assert (invoice.amount, invoice.payload) == (Decimal("1.50"), "")
