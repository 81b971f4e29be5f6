"""The emulator answers like the Bot API, judged by aiogram 3 (issue 16): Stars invoices, the pre-checkout
handshake, refunds and transactions, uploads and downloads. See test_botapi_conformance.py for the harness.
"""

import io
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.types import (
    BufferedInputFile,
    LabeledPrice,
    TransactionPartnerUser,
)

from tests.support.aiogram_judge import Telegram, invoice, open_telegram, paid, started
from tests.support.images import jpeg_header, png


@pytest.fixture
async def tg() -> AsyncIterator[Telegram]:
    async with open_telegram() as telegram:
        await started(telegram)
        yield telegram


async def test_send_invoice_in_stars(tg: Telegram) -> None:
    message = await tg.judge(lambda bot: invoice(bot, tg.ann.id))
    assert message.invoice is not None
    assert (message.invoice.title, message.invoice.currency, message.invoice.total_amount) == ("Game key", "XTR", 50)


async def test_create_invoice_link(tg: Telegram) -> None:
    link = await tg.judge(
        lambda bot: bot.create_invoice_link(
            title="Game key", description="One key", payload="order:8", currency="XTR", prices=[LabeledPrice(label="K", amount=5)]
        )
    )
    assert link.startswith("https://t.me/")


async def test_a_paid_invoice_brings_pre_checkout_and_successful_payment(tg: Telegram) -> None:
    await tg.judge(lambda bot: invoice(bot, tg.ann.id))
    outcome, query = await paid(tg)
    assert outcome.status == "paid"
    assert (query.invoice_payload, query.total_amount, query.currency, query.from_user.id) == ("order:7", 50, "XTR", tg.ann.id)
    updates = await tg.judge(lambda bot: bot.get_updates(timeout=0))
    payment = updates[-1].message.successful_payment if updates[-1].message else None
    assert payment is not None
    assert (payment.invoice_payload, payment.total_amount, payment.telegram_payment_charge_id) == (
        "order:7",
        50,
        outcome.charge_id,
    )


async def test_refund_and_star_transactions(tg: Telegram) -> None:
    await tg.judge(lambda bot: invoice(bot, tg.ann.id))
    outcome, _ = await paid(tg)
    assert outcome.charge_id is not None
    charge = outcome.charge_id
    assert await tg.judge(lambda bot: bot.refund_star_payment(tg.ann.id, charge)) is True
    transactions = (await tg.judge(lambda bot: bot.get_star_transactions())).transactions
    payment, refund = transactions
    assert (payment.id, payment.amount, refund.id) == (charge, 50, charge)
    assert isinstance(payment.source, TransactionPartnerUser) and payment.source.user.id == tg.ann.id
    assert payment.source.transaction_type == "invoice_payment"
    assert isinstance(refund.receiver, TransactionPartnerUser) and refund.receiver.user.id == tg.ann.id


async def test_send_document_upload_and_download(tg: Telegram) -> None:
    upload = BufferedInputFile(b"KEY-1234-5678\n", filename="keys.txt")
    message = await tg.judge(lambda bot: bot.send_document(tg.ann.id, upload, caption="Your key"))
    document = message.document
    assert document is not None and message.caption == "Your key"
    assert (document.file_name, document.file_size) == ("keys.txt", 14)

    async def download(bot: Bot) -> bytes:
        file = await bot.get_file(document.file_id)
        assert file.file_path is not None
        got = await bot.download_file(file.file_path)
        assert isinstance(got, io.BytesIO)
        return got.getvalue()

    assert await tg.judge(download) == b"KEY-1234-5678\n"


@pytest.mark.parametrize(
    ("file_name", "mime_type"),
    [("keys.txt", "text/plain"), ("licence.pdf", "application/pdf"), ("bundle.zip", "application/zip")],
)
async def test_a_documents_mime_type_comes_from_its_name(tg: Telegram, file_name: str, mime_type: str) -> None:
    # aiogram uploads every file as application/octet-stream; Telegram names the type by the file's name.
    message = await tg.judge(lambda bot: bot.send_document(tg.ann.id, BufferedInputFile(b"data", filename=file_name)))
    assert message.document is not None and message.document.mime_type == mime_type


@pytest.mark.parametrize(
    ("content", "size"),
    [(png(37, 21), (37, 21)), (jpeg_header(640, 480), (640, 480))],
    ids=["png", "jpeg"],
)
async def test_send_photo_reports_its_real_size(tg: Telegram, content: bytes, size: tuple[int, int]) -> None:
    message = await tg.judge(lambda bot: bot.send_photo(tg.ann.id, BufferedInputFile(content, filename="p")))
    assert message.photo is not None
    largest = message.photo[-1]
    assert (largest.width, largest.height) == size
