"""The twin's own contract: CryptoPay's wire answers, its control methods, its webhooks and its test API."""

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import msgspec
import pytest
import trio
from hypercorn.config import Config
from hypercorn.trio import serve

from telegram.cryptopay import WebhookUpdate, sign, verify
from telegram.cryptopay.signature import HEADER
from telegram.cryptopay.twin import CryptoPayTwin, UnknownInvoice, serve_twin
from telegram.cryptopay.twin.http import MAX_BODY
from tests.support.clock import ManualClock

from .conftest import TOKEN

FIAT = {"currency_type": "fiat", "fiat": "USD", "accepted_assets": "USDT,TON", "amount": "4.99",
        "description": "Top up", "payload": "purchase:7", "expires_in": 900}


async def call(raw: httpx.AsyncClient, method: str, token: str | None = TOKEN, **params: Any) -> tuple[int, Any]:
    headers = {} if token is None else {"Crypto-Pay-API-Token": token}
    response = await raw.post(f"/api/{method}", json=params, headers=headers)
    return response.status_code, response.json()


async def error(raw: httpx.AsyncClient, method: str, **params: Any) -> tuple[int, str]:
    status, body = await call(raw, method, **params)
    assert body["ok"] is False and body["error"]["code"] == status, body
    return status, body["error"]["name"]


# ----- the API on the wire ---------------------------------------------------------------------------

async def test_invoice_json_has_decimal_strings_and_leaves_unset_fields_out(raw: httpx.AsyncClient) -> None:
    status, body = await call(raw, "createInvoice", **FIAT)
    assert status == 200 and body["ok"] is True
    invoice = body["result"]
    assert invoice["amount"] == "4.99" and invoice["status"] == "active"
    assert invoice["bot_invoice_url"] == invoice["pay_url"] == f"https://t.me/CryptoBot?start={invoice['hash']}"
    assert not {"asset", "paid_at", "paid_amount", "paid_asset"} & invoice.keys()
    always = {"mini_app_invoice_url", "web_app_invoice_url", "allow_comments", "allow_anonymous", "created_at"}
    assert always <= invoice.keys() and invoice["accepted_assets"] == ["USDT", "TON"]


async def test_a_fiat_invoice_is_paid_at_the_twins_rate_by_default(raw: httpx.AsyncClient, twin: CryptoPayTwin) -> None:
    invoice_id = (await call(raw, "createInvoice", **(FIAT | {"fiat": "EUR", "amount": "9.20"})))[1]["result"]["invoice_id"]
    twin.mark_paid(invoice_id)  # in USDT, 0.92 EUR each at the twin's rate
    paid = twin.invoice_json(invoice_id)
    assert (paid["amount"], paid["paid_amount"], paid["paid_fiat_rate"], paid["paid_usd_rate"]) == ("9.20", "10", "0.92", "1")
    assert (paid["fee_asset"], paid["fee_amount"], paid["fee_in_usd"], paid["paid_anonymously"]) == ("USDT", "0.3", "0.3", False)
    status, balance = await call(raw, "getBalance")
    assert status == 200 and {"currency_code": "USDT", "available": "9.7", "onhold": "0"} in balance["result"]


async def test_a_missing_or_wrong_token_is_unauthorized(raw: httpx.AsyncClient) -> None:
    for token in (None, "12345:AAwrong"):
        assert await call(raw, "getMe", token=token) == (
            401, {"ok": False, "error": {"code": 401, "name": "UNAUTHORIZED"}})


async def test_unknown_methods_and_paths(raw: httpx.AsyncClient) -> None:
    assert await error(raw, "createCheck") == (405, "METHOD_NOT_FOUND")
    response = await raw.post("/v2/createInvoice", json=FIAT, headers={"Crypto-Pay-API-Token": TOKEN})
    assert response.status_code == 404


async def test_parameters_may_come_as_query_string_or_form(raw: httpx.AsyncClient) -> None:
    headers = {"Crypto-Pay-API-Token": TOKEN}
    by_query = (await raw.get("/api/createInvoice", params=FIAT, headers=headers)).json()["result"]
    by_form = (await raw.post("/api/createInvoice", data=FIAT, headers=headers)).json()["result"]
    assert (by_query["amount"], by_form["amount"], by_form["payload"]) == ("4.99", "4.99", "purchase:7")
    not_json = await raw.post("/api/createInvoice", content=b"{oops", headers=headers)
    assert (not_json.status_code, not_json.json()["error"]["name"]) == (400, "PARAMS_INVALID")


async def test_crypto_invoices_name_their_asset(raw: httpx.AsyncClient, twin: CryptoPayTwin) -> None:
    status, body = await call(raw, "createInvoice", asset="TON", amount="2.5")
    assert status == 200 and (body["result"]["currency_type"], body["result"]["asset"]) == ("crypto", "TON")
    assert "expiration_date" not in body["result"]  # no expires_in: it never expires
    with pytest.raises(ValueError, match="accepts TON"):
        twin.mark_paid(body["result"]["invoice_id"], asset="USDT")


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"asset": "TON"}, "AMOUNT_INVALID"),
        ({"asset": "TON", "amount": "abc"}, "AMOUNT_INVALID"),
        ({"asset": "TON", "amount": "NaN"}, "AMOUNT_INVALID"),
        ({"asset": "TON", "amount": True}, "AMOUNT_INVALID"),
        ({"amount": "1"}, "ASSET_REQUIRED"),
        ({"amount": "1", "asset": "DOGE"}, "ASSET_INVALID"),
        ({"amount": "1", "asset": ["TON"]}, "ASSET_INVALID"),
        ({"amount": "1", "currency_type": "barter"}, "CURRENCY_TYPE_INVALID"),
        ({"amount": "1", "currency_type": "fiat"}, "FIAT_REQUIRED"),
        ({"amount": "1", "currency_type": "fiat", "fiat": "USD", "accepted_assets": 5}, "ACCEPTED_ASSETS_INVALID"),
        ({"amount": "1", "asset": "TON", "expires_in": "soon"}, "EXPIRES_IN_INVALID"),
        ({"amount": "1", "asset": "TON", "expires_in": True}, "EXPIRES_IN_INVALID"),
        ({"amount": "1", "asset": "TON", "description": ["d"]}, "DESCRIPTION_INVALID"),
        ({"amount": "1", "asset": "TON", "hidden_message": "h" * 2049}, "HIDDEN_MESSAGE_TOO_LONG"),
        ({"amount": "1", "asset": "TON", "paid_btn_name": "visit", "paid_btn_url": "https://t.me/x"}, "PAID_BTN_NAME_INVALID"),
        ({"amount": "1", "asset": "TON", "paid_btn_name": "callback"}, "PAID_BTN_URL_REQUIRED"),
        ({"amount": "1", "asset": "TON", "paid_btn_name": "callback", "paid_btn_url": "ftp://x"}, "PAID_BTN_URL_INVALID"),
        ({"amount": "1", "asset": "TON", "allow_comments": "maybe"}, "ALLOW_COMMENTS_INVALID"),
        ({"amount": "1", "asset": "TON", "allow_anonymous": 1}, "ALLOW_ANONYMOUS_INVALID"),
        ({"amount": "1", "asset": "TON", "swap_to": "DOGE"}, "SWAP_TO_INVALID"),
    ],
)
async def test_create_invoice_validation_on_the_wire(raw: httpx.AsyncClient, params: dict, name: str) -> None:
    assert await error(raw, "createInvoice", **params) == (400, name)


async def test_get_invoices_filters(raw: httpx.AsyncClient, twin: CryptoPayTwin) -> None:
    ids = [(await call(raw, "createInvoice", **FIAT))[1]["result"]["invoice_id"] for _ in range(4)]
    twin.mark_paid(ids[1])
    twin.mark_expired(ids[2])

    async def listed(**params: Any) -> list[int]:
        status, body = await call(raw, "getInvoices", **params)
        assert status == 200, body
        return [invoice["invoice_id"] for invoice in body["result"]["items"]]

    assert await listed() == ids
    assert await listed(status="active") == [ids[0], ids[3]]
    assert await listed(status="paid") == [ids[1]]
    assert await listed(invoice_ids=f"{ids[3]},{ids[1]},999") == [ids[1], ids[3]]
    assert await listed(invoice_ids=[ids[2]]) == [ids[2]]
    assert await listed(offset=1, count=2) == ids[1:3]
    assert await listed(fiat="EUR") == []
    assert await listed(asset="TON") == []


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"status": "expired"}, "STATUS_INVALID"),
        ({"count": 0}, "COUNT_INVALID"),
        ({"count": 1001}, "COUNT_INVALID"),
        ({"offset": -1}, "OFFSET_INVALID"),
        ({"offset": "x"}, "OFFSET_INVALID"),
        ({"invoice_ids": "1,two"}, "INVOICE_IDS_INVALID"),
        ({"invoice_ids": {"1": 1}}, "INVOICE_IDS_INVALID"),
    ],
)
async def test_get_invoices_validation(raw: httpx.AsyncClient, params: dict, name: str) -> None:
    assert await error(raw, "getInvoices", **params) == (400, name)


async def test_get_stats_validation(raw: httpx.AsyncClient) -> None:
    assert await error(raw, "getStats", end_at="soon") == (400, "END_AT_INVALID")
    assert await error(raw, "getStats", start_at="2026-06-02T00:00:00Z", end_at="2026-06-01T00:00:00Z") == (
        400, "START_AT_INVALID")


async def test_calls_are_counted_by_method(raw: httpx.AsyncClient, twin: CryptoPayTwin) -> None:
    await call(raw, "createInvoice", **FIAT)
    await call(raw, "getInvoices")
    await call(raw, "getInvoices", token="wrong")
    assert (twin.calls_of("createInvoice"), twin.calls_of("getInvoices"), twin.calls_of("deleteInvoice")) == (1, 2, 0)


async def test_delete_invoice_wants_a_known_id(raw: httpx.AsyncClient) -> None:
    assert await error(raw, "deleteInvoice") == (400, "INVOICE_ID_INVALID")
    assert await error(raw, "deleteInvoice", invoice_id=1) == (400, "INVOICE_NOT_FOUND")


# ----- control methods -------------------------------------------------------------------------------

async def test_control_methods_refuse_what_cryptopay_could_not_do(raw: httpx.AsyncClient, twin: CryptoPayTwin,
                                                                  clock: ManualClock) -> None:
    paid, late = [(await call(raw, "createInvoice", **FIAT))[1]["result"]["invoice_id"] for _ in range(2)]
    twin.mark_paid(paid)
    with pytest.raises(ValueError, match="is paid, not active"):
        twin.mark_paid(paid)
    with pytest.raises(ValueError, match="is paid"):
        twin.mark_expired(paid)
    with pytest.raises(ValueError, match="not BTC"):
        twin.mark_paid(late, asset="BTC")
    clock.advance(900)
    with pytest.raises(ValueError, match="is expired, not active"):
        twin.mark_paid(late)
    with pytest.raises(UnknownInvoice):
        twin.mark_paid(404)
    assert {i: invoice.status for i, invoice in twin.invoices.items()} == {paid: "paid", late: "expired"}
    assert "secret" not in repr(twin)


# ----- webhooks --------------------------------------------------------------------------------------

class Receiver:
    """A webhook endpoint as a shop would run it: answers 200 to a verified body, 401 otherwise."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.received.append((headers, body))
        status = 200 if verify(TOKEN, body, headers.get(HEADER)) else 401
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def serve_receiver(receiver: Receiver, nursery: trio.Nursery) -> str:
    config = Config()
    config.bind = ["127.0.0.1:0"]
    config.accesslog = None
    binds = await nursery.start(
        lambda task_status: serve(receiver, config, shutdown_trigger=trio.sleep_forever, task_status=task_status))
    return f"{binds[0]}/cryptopay/webhook"


async def test_send_webhook_posts_a_signed_invoice_paid_update(raw: httpx.AsyncClient, clock: ManualClock) -> None:
    receiver = Receiver()
    twin = CryptoPayTwin(TOKEN, clock=clock, webhook_url="http://shop/cryptopay/webhook",
                         webhook_transport=httpx.ASGITransport(receiver))
    async with httpx.AsyncClient(transport=twin.transport(), base_url="https://pay.crypt.bot") as twin_raw:
        invoice_id = (await call(twin_raw, "createInvoice", **FIAT))[1]["result"]["invoice_id"]
    twin.mark_paid(invoice_id, asset="TON", paid_amount=Decimal("1.5"))

    assert await twin.send_webhook(invoice_id) == 200
    headers, body = receiver.received[-1]
    assert headers[HEADER] == sign(TOKEN, body) and headers["content-type"] == "application/json"
    update = msgspec.json.decode(body, type=WebhookUpdate)
    assert (update.update_id, update.update_type) == (1, "invoice_paid")
    assert (update.payload.invoice_id, update.payload.status, update.payload.paid_amount) == (
        invoice_id, "paid", Decimal("1.5"))
    assert update.request_date.endswith("Z") and update.payload.payload == "purchase:7"
    assert twin.webhooks[-1].status == 200 and twin.webhooks[-1].body == body

    assert await twin.send_webhook(invoice_id, signature="bad") == 401
    assert HEADER in receiver.received[-1][0]
    assert await twin.send_webhook(invoice_id, signature=None) == 401
    assert HEADER not in receiver.received[-1][0]
    assert await twin.send_webhook(invoice_id, signature="nonsense") == 401
    assert receiver.received[-1][0][HEADER] == "nonsense"

    assert await twin.send_webhook(invoice_id, update_id=1) == 200  # CryptoPay's update_id may repeat
    ids = [msgspec.json.decode(body, type=WebhookUpdate).update_id for _, body in receiver.received]
    assert ids == [1, 2, 3, 4, 1]


async def test_send_webhook_needs_somewhere_to_send(twin: CryptoPayTwin, raw: httpx.AsyncClient) -> None:
    invoice_id = (await call(raw, "createInvoice", **FIAT))[1]["result"]["invoice_id"]
    with pytest.raises(ValueError, match="no webhook URL"):
        await twin.send_webhook(invoice_id)
    with pytest.raises(UnknownInvoice):
        await twin.send_webhook(999, url="http://127.0.0.1:1/")
    with pytest.raises(httpx.ConnectError):
        await twin.send_webhook(invoice_id, url="http://127.0.0.1:1/")


async def test_test_api_drives_the_twin_over_http(twin: CryptoPayTwin, nursery: trio.Nursery) -> None:
    receiver = Receiver()
    twin.webhook_url = await serve_receiver(receiver, nursery)
    port = await nursery.start(serve_twin, twin)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
        created = (await http.post("/api/createInvoice", json=FIAT, headers={"Crypto-Pay-API-Token": TOKEN})).json()
        first = created["result"]["invoice_id"]
        second = (await http.post("/api/createInvoice", json=FIAT,
                                  headers={"Crypto-Pay-API-Token": TOKEN})).json()["result"]["invoice_id"]

        paid = await http.post(f"/_twin/invoices/{first}/pay", json={"asset": "TON", "paid_amount": "1.25"})
        assert paid.status_code == 200
        assert (paid.json()["status"], paid.json()["paid_amount"], paid.json()["paid_asset"]) == ("paid", "1.25", "TON")
        expired = await http.post(f"/_twin/invoices/{second}/expire")
        assert expired.json()["status"] == "expired"
        listed = (await http.get("/_twin/invoices")).json()
        assert [(i["invoice_id"], i["status"]) for i in listed] == [(first, "paid"), (second, "expired")]

        for signature, expected in (("valid", 200), ("bad", 401), ("none", 401)):
            sent = await http.post(f"/_twin/invoices/{first}/webhook", params={"signature": signature})
            assert sent.json() == {"status": expected}
        assert HEADER not in receiver.received[-1][0]
        assert (await http.post(f"/_twin/invoices/{first}/webhook")).json() == {"status": 200}
        repeated = await http.post(f"/_twin/invoices/{first}/webhook", params={"update_id": "1"})
        assert repeated.json() == {"status": 200}
        assert msgspec.json.decode(receiver.received[-1][1], type=WebhookUpdate).update_id == 1

        assert (await http.post(f"/_twin/invoices/{first}/pay")).status_code == 400
        assert (await http.post("/_twin/invoices/77/expire")).status_code == 404
        assert (await http.post(f"/_twin/invoices/{first}/pay", content=b"[1]")).status_code == 400
        assert (await http.post(f"/_twin/invoices/{first}/pay", content=b"{oops")).status_code == 400
        assert (await http.delete(f"/_twin/invoices/{first}")).status_code == 404
        unreachable = await http.post(f"/_twin/invoices/{first}/webhook", params={"url": "http://127.0.0.1:1/"})
        assert unreachable.status_code == 502 and "ConnectError" in unreachable.json()["error"]


async def test_test_api_names_the_newest_invoice_latest(twin: CryptoPayTwin, nursery: trio.Nursery) -> None:
    """A walk-through's shell pays and notifies `latest` without copying an id from the listing."""
    port = await nursery.start(serve_twin, twin)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
        none = await http.post("/_twin/invoices/latest/pay")
        assert none.status_code == 404 and none.json() == {"error": "no invoice yet"}
        for _ in range(2):
            await http.post("/api/createInvoice", json=FIAT, headers={"Crypto-Pay-API-Token": TOKEN})
        paid = (await http.post("/_twin/invoices/latest/pay")).json()
        assert (paid["invoice_id"], paid["status"]) == (max(twin.invoices), "paid")
        assert (await http.post("/_twin/invoices/latest/expire")).status_code == 400  # it is paid
        assert [i["status"] for i in (await http.get("/_twin/invoices")).json()] == ["active", "paid"]


async def test_a_body_over_the_limit_is_refused_on_both_doors(twin: CryptoPayTwin, nursery: trio.Nursery) -> None:
    """Over MAX_BODY bytes, sent whole or in chunks, a request is 413 and reaches no method; the server
    reads the rest without keeping it and goes on serving."""
    port = await nursery.start(serve_twin, twin)
    headers = {"Crypto-Pay-API-Token": TOKEN, "content-type": "application/json"}
    body = msgspec.json.encode({**FIAT, "description": "x" * MAX_BODY})

    async def in_chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start:start + 64 * 1024]

    too_large = {"ok": False, "error": {"code": 413, "name": "REQUEST_TOO_LARGE"}}
    async with (
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as loopback,
        httpx.AsyncClient(transport=twin.transport(), base_url="https://pay.crypt.bot") as in_process,
    ):
        for http, content in ((loopback, body), (loopback, in_chunks()), (in_process, body)):
            refused = await http.post("/api/createInvoice", content=content, headers=headers)
            assert (refused.status_code, refused.json()) == (413, too_large)
        assert twin.calls_of("createInvoice") == 0 and twin.invoices == {}
        created = await loopback.post("/api/createInvoice", json=FIAT, headers=headers)
        assert created.status_code == 200 and list(twin.invoices) == [created.json()["result"]["invoice_id"]]
