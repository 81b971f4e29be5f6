"""The twin's signed webhook judged by aiocryptopay: its aiohttp handler (`AioCryptoPay.get_updates`) takes a
correctly signed invoice_paid update to its pay handlers as an `Update` model, and refuses a forged or
unsigned one without calling them; its `check_signature` agrees with the twin's signature."""

import asyncio
import socket
from functools import partial

import pytest
import trio
from aiocryptopay import AioCryptoPay
from aiocryptopay.models.update import Update
from aiohttp import web

from telegram.cryptopay.signature import HEADER
from telegram.cryptopay.twin import CryptoPayTwin
from tests.support.aiocryptopay_judge import TOKEN, judge, serve
from tests.support.clock import ManualClock


@pytest.fixture
def twin() -> CryptoPayTwin:
    return CryptoPayTwin(TOKEN, clock=ManualClock())


async def deliver(twin: CryptoPayTwin, url: str, invoice_id: int, signatures: list[str | None]) -> tuple[list[int], list[Update]]:
    """Serve aiocryptopay's webhook handler with aiohttp (asyncio, in a worker thread) and have the twin (trio)
    POST the invoice's update to it once per signature; the HTTP statuses and the updates its handler got."""
    trio_token = trio.lowlevel.current_trio_token()

    async def receive(crypto: AioCryptoPay) -> tuple[list[int], list[Update]]:
        updates: list[Update] = []

        async def on_paid(update: Update, app: web.Application) -> None:
            updates.append(update)

        crypto.register_pay_handler(on_paid)
        app = web.Application()
        app.router.add_post("/cryptopay/webhook", crypto.get_updates)
        runner = web.AppRunner(app)
        await runner.setup()
        sock = socket.create_server(("127.0.0.1", 0))
        await web.SockSite(runner, sock).start()
        hook = f"http://127.0.0.1:{sock.getsockname()[1]}/cryptopay/webhook"
        loop = asyncio.get_running_loop()
        statuses = []
        try:
            for signature in signatures:
                send = partial(twin.send_webhook, invoice_id, url=hook, signature=signature)
                # The twin sends from trio's thread; asyncio's loop stays free to answer meanwhile.
                statuses.append(await loop.run_in_executor(None, partial(trio.from_thread.run, send, trio_token=trio_token)))
        finally:
            await runner.cleanup()
        return statuses, updates

    return await judge(url, receive)


async def test_a_signed_update_reaches_the_pay_handler_as_an_update(twin: CryptoPayTwin, nursery: trio.Nursery) -> None:
    url = await serve(twin, nursery)

    async def create(crypto: AioCryptoPay) -> int:
        invoice = await crypto.create_invoice(
            amount=10, currency_type="fiat", fiat="USD", accepted_assets=["USDT", "TON"],
            description="Пополнение на 10 USD ✨", payload="purchase:ünïcode", expires_in=900,
        )  # fmt: skip
        return invoice.invoice_id

    invoice_id = await judge(url, create)
    twin.mark_paid(invoice_id)
    statuses, updates = await deliver(twin, url, invoice_id, ["valid"])
    assert statuses == [200]
    (update,) = updates
    assert (update.update_id, update.update_type) == (1, "invoice_paid")
    paid = update.payload
    assert (paid.invoice_id, paid.status, paid.payload, paid.description) == (
        invoice_id,
        "paid",
        "purchase:ünïcode",
        "Пополнение на 10 USD ✨",
    )
    assert (paid.paid_asset, paid.paid_amount, paid.fee_amount, paid.paid_fiat_rate) == ("USDT", 10, 0.3, 1)
    assert update.request_date == paid.paid_at


async def test_forged_and_unsigned_updates_are_refused_unhandled(twin: CryptoPayTwin, nursery: trio.Nursery) -> None:
    url = await serve(twin, nursery)
    invoice_id = (await judge(url, lambda crypto: crypto.create_invoice(amount=1, asset="TON"))).invoice_id
    twin.mark_paid(invoice_id, asset="TON")
    statuses, updates = await deliver(twin, url, invoice_id, ["bad", None, "valid"])
    # aiocryptopay's handler answers nothing to a wrong signature, which aiohttp turns into a 500.
    assert statuses == [500, 500, 200]
    assert [u.payload.invoice_id for u in updates] == [invoice_id]


async def test_check_signature_agrees_with_the_twin(twin: CryptoPayTwin, nursery: trio.Nursery) -> None:
    url = await serve(twin, nursery)
    invoice_id = (await judge(url, lambda crypto: crypto.create_invoice(amount=1, asset="TON", payload="é"))).invoice_id
    twin.mark_paid(invoice_id, asset="TON")
    await deliver(twin, url, invoice_id, ["valid", "bad"])
    (signed, forged) = twin.webhooks

    async def check(crypto: AioCryptoPay) -> list[bool]:
        return [crypto.check_signature(sent.body.decode(), sent.headers[HEADER]) for sent in (signed, forged)]

    assert await judge(url, check) == [True, False]
    assert await judge(url, check, token="12345:AAanother-app") == [False, False]
