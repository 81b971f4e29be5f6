"""BotClient's payment methods against the emulator: what goes on the wire and what comes back typed."""

import pytest
import trio

from telegram.client import BotClient
from telegram.emulator import EmulatedUser, Emulator
from telegram.errors import BadRequest
from telegram.types import Invoice, LabeledPrice, SuccessfulPayment


async def test_send_invoice_sends_only_what_is_given(bot: BotClient, emu: Emulator, ann: EmulatedUser) -> None:
    sent = await bot.send_invoice(1001, "Key", "One key", "order:1", "XTR", [LabeledPrice(label="Key", amount=7)])
    assert sent.invoice == Invoice(title="Key", description="One key", start_parameter="", currency="XTR", total_amount=7)
    ((_, _, params),) = [c for c in emu.calls if c[1] == "sendInvoice"]
    assert params == {"chat_id": 1001, "title": "Key", "description": "One key", "payload": "order:1",
                      "provider_token": "", "currency": "XTR", "prices": [{"label": "Key", "amount": 7}]}
    with pytest.raises(BadRequest, match="STARS_INVOICE_INVALID"):
        await bot.send_invoice(1001, "Key", "One key", "order:1", "XTR",
                               [LabeledPrice(label="Key", amount=7), LabeledPrice(label="Fee", amount=1)])


async def test_pay_and_refund_are_typed(bot: BotClient, emu: Emulator, ann: EmulatedUser) -> None:
    await bot.send_invoice(1001, "Key", "One key", "order:1", "XTR", [LabeledPrice(label="Key", amount=7)])
    (start,) = await bot.get_updates(timeout=0)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(ann.pay)
        (update,) = await bot.get_updates(offset=start.update_id + 1, timeout=5)
        assert update.pre_checkout_query is not None and update.pre_checkout_query.invoice_payload == "order:1"
        assert await bot.answer_pre_checkout_query(update.pre_checkout_query.id, ok=True) is True
    (paid,) = await bot.get_updates(offset=update.update_id + 1, timeout=5)
    assert paid.message is not None and isinstance(paid.message.successful_payment, SuccessfulPayment)
    charge = paid.message.successful_payment.telegram_payment_charge_id
    assert await bot.refund_star_payment(1001, charge) is True
    (refund,) = await bot.get_updates(offset=paid.update_id + 1, timeout=5)
    assert refund.message is not None and refund.message.refunded_payment is not None
    assert refund.message.refunded_payment.telegram_payment_charge_id == charge
