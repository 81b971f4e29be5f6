"""Payments in the emulator: invoices, the pre-checkout handshake, Stars charges and refunds.

The bot side is the real BotClient over the emulator's transport; the user side is EmulatedUser.pay(),
which waits for the bot's answer, so each payment runs the user in a nursery while the test plays the bot.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import trio

from telegram.client import BotClient
from telegram.config import TelegramSettings
from telegram.emulator import PRE_CHECKOUT_TIMEOUT, EmulatedUser, Emulator, EmulatorError, PaymentOutcome
from telegram.errors import BadRequest
from telegram.types import LabeledPrice, Message, PreCheckoutQuery, Update

from .conftest import TOKEN
from .test_spec import check

QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
STAR_PRICE = [LabeledPrice(label="Key", amount=50)]


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[BotClient]:
    async with BotClient(TelegramSettings(token=TOKEN, owner_id=1), transport=emu.transport()) as client:
        yield client


async def star_invoice(bot: BotClient, payload: str = "order:7", amount: int = 50) -> Message:
    prices = [LabeledPrice(label="Key", amount=amount)]
    return await bot.send_invoice(1001, "Steam key", "One key, sent at once", payload, "XTR", prices)


async def next_updates(bot: BotClient, seen: list[Update], timeout: int = 5) -> list[Update]:
    """New updates since the last call, confirming the earlier ones (waits up to `timeout` for one)."""
    offset = seen[-1].update_id + 1 if seen else None
    updates = await bot.get_updates(offset=offset, timeout=timeout)
    seen.extend(updates)
    return updates


async def pre_checkout(bot: BotClient, seen: list[Update]) -> PreCheckoutQuery:
    while True:
        for update in await next_updates(bot, seen):
            if update.pre_checkout_query is not None:
                return update.pre_checkout_query


async def paying(user: EmulatedUser, bot_side: Callable[[], Awaitable[None]], **pay_args: Any) -> PaymentOutcome:
    """Run `user.pay()` while `bot_side()` plays the bot; returns how the payment ended."""
    result: list[PaymentOutcome] = []

    async def pay() -> None:
        result.append(await user.pay(**pay_args))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(pay)
        await bot_side()
    return result[0]


async def pay_ok(bot: BotClient, user: EmulatedUser, seen: list[Update], **pay_args: Any) -> PaymentOutcome:
    async def answer() -> None:
        query = await pre_checkout(bot, seen)
        assert await bot.answer_pre_checkout_query(query.id, ok=True)

    return await paying(user, answer, **pay_args)


async def test_invoice_message_carries_the_invoice(emu: Emulator, bot: BotClient, ann: EmulatedUser) -> None:
    sent = await bot.send_invoice(1001, "Steam key", "One key", "order:7", "XTR", STAR_PRICE, start_parameter="k7")
    assert sent.invoice is not None
    assert (sent.invoice.title, sent.invoice.description, sent.invoice.start_parameter) == ("Steam key", "One key", "k7")
    assert (sent.invoice.currency, sent.invoice.total_amount) == ("XTR", 50)
    (shown,) = ann.bot_messages()
    assert shown["invoice"]["total_amount"] == 50 and "payload" not in str(shown)  # the payload stays the bot's
    fiat = await bot.send_invoice(1001, "Key", "Key", "p", "USD", [LabeledPrice(label="Key", amount=1000),
                                  LabeledPrice(label="Discount", amount=-145)], provider_token="284685063:TEST:x")
    assert fiat.invoice is not None and fiat.invoice.total_amount == 855 and fiat.invoice.start_parameter == ""


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"prices": [{"label": "Key", "amount": 50}, {"label": "Tip", "amount": 5}]}, "STARS_INVOICE_INVALID"),
        ({"provider_token": "284685063:TEST:x"}, "PAYMENT_PROVIDER_INVALID"),
        ({"currency": "USD"}, "PAYMENT_PROVIDER_INVALID"),
        ({"prices": [{"label": "Key", "amount": 0}]}, "total price must be positive"),
        ({"prices": [{"label": "Key", "amount": -5}]}, "total price must be positive"),
        ({"prices": [{"label": "Key", "amount": 1.5}]}, "can't parse prices JSON object"),
        ({"prices": []}, "can't parse prices JSON object"),
        ({"prices": "[{"}, "can't parse prices JSON object"),
        ({"payload": ""}, 'parameter "payload" is required'),
        ({"payload": "é" * 65}, "INVOICE_PAYLOAD_INVALID"),  # 130 bytes: the limit counts bytes
        ({"title": ""}, 'parameter "title" is required'),
        ({"title": "x" * 33}, "TITLE_INVALID"),
        ({"title": "😀" * 16 + "x"}, "TITLE_INVALID"),  # 33 UTF-16 code units, like message texts
        ({"description": "x" * 256}, "DESCRIPTION_INVALID"),
        ({"description": "😀" * 128}, "DESCRIPTION_INVALID"),
        ({"max_tip_amount": -1}, "invalid max_tip_amount of the currency specified"),
    ],
)
async def test_invoice_validation(api, ann: EmulatedUser, change: dict[str, Any], error: str) -> None:
    params = {"chat_id": 1001, "title": "Key", "description": "One key", "payload": "order:7", "provider_token": "",
              "currency": "XTR", "prices": [{"label": "Key", "amount": 50}], **change}
    assert await api.error("sendInvoice", **params) == (400, f"Bad Request: {error}")
    assert await api.error("createInvoiceLink", **params) == (400, f"Bad Request: {error}")
    assert ann.bot_messages() == []


async def test_limits_are_inclusive(api, ann: EmulatedUser) -> None:
    await api.ok("sendInvoice", chat_id=1001, title="x" * 32, description="d" * 255, payload="p" * 128,
                 currency="XTR", prices=[{"label": "Key", "amount": 1}])


async def test_pay_answer_ok_delivers_successful_payment(emu: Emulator, bot: BotClient, ann: EmulatedUser) -> None:
    seen: list[Update] = []
    await next_updates(bot, seen)  # /start
    await star_invoice(bot)
    queries: list[PreCheckoutQuery] = []

    async def answer() -> None:
        query = await pre_checkout(bot, seen)
        queries.append(query)
        assert await bot.answer_pre_checkout_query(query.id, ok=True)

    outcome = await paying(ann, answer)
    (query,) = queries
    assert (query.from_.id, query.currency, query.total_amount, query.invoice_payload) == (1001, "XTR", 50, "order:7")
    assert outcome.status == "paid" and outcome.charge_id is not None and outcome.charge_id.startswith("stx")
    (update,) = await next_updates(bot, seen)
    assert update.update_id == outcome.update_id and update.message is not None
    paid = update.message.successful_payment
    assert paid is not None and update.message.from_ is not None and update.message.from_.id == 1001
    assert (paid.currency, paid.total_amount, paid.invoice_payload) == ("XTR", 50, "order:7")
    assert paid.telegram_payment_charge_id == outcome.charge_id and paid.provider_payment_charge_id == ""
    assert ann.stars == 10_000 - 50
    assert any("successful_payment" in m for m in ann.transcript())
    with pytest.raises(EmulatorError, match="already paid"):
        await ann.pay(update.message.message_id - 1)


async def test_charge_ids_are_unique(emu: Emulator, bot: BotClient, ann: EmulatedUser, autojump_clock: trio.abc.Clock) -> None:
    seen: list[Update] = []
    charges = set()
    for n in range(5):
        await star_invoice(bot, payload=f"order:{n}")
        outcome = await pay_ok(bot, ann, seen)
        charges.add(outcome.charge_id)
    assert len(charges) == 5 and ann.stars == 10_000 - 5 * 50
    assert [p.invoice_payload for p in ann.payments] == [f"order:{n}" for n in range(5)]


async def test_pay_chooses_the_newest_unpaid_invoice_or_the_given_one(bot: BotClient, ann: EmulatedUser) -> None:
    seen: list[Update] = []
    first = await star_invoice(bot, payload="first")
    await star_invoice(bot, payload="second")
    assert (await pay_ok(bot, ann, seen)).invoice_payload == "second"
    assert (await pay_ok(bot, ann, seen, invoice_message_id=first.message_id)).invoice_payload == "first"
    with pytest.raises(EmulatorError, match="no unpaid invoice"):
        await ann.pay()
    with pytest.raises(EmulatorError, match="no invoice message 12345"):
        await ann.pay(12345)


async def test_refusal_shows_the_error_and_charges_nothing(emu: Emulator, bot: BotClient, ann: EmulatedUser) -> None:
    seen: list[Update] = []
    await star_invoice(bot)

    async def refuse() -> None:
        query = await pre_checkout(bot, seen)
        with pytest.raises(BadRequest, match="ERROR_TEXT_EMPTY"):
            await bot.answer_pre_checkout_query(query.id, ok=False)
        assert await bot.answer_pre_checkout_query(query.id, ok=False, error_message="Sold out, sorry")

    outcome = await paying(ann, refuse)
    assert (outcome.status, outcome.error_message, outcome.charge_id) == ("refused", "Sold out, sorry", None)
    assert ann.payments == [outcome] and ann.stars == 10_000
    assert await next_updates(bot, seen, timeout=0) == []
    assert emu.payments.charges == {}
    # Not paid, so it can be paid again.
    assert (await pay_ok(bot, ann, seen)).status == "paid"


async def test_no_answer_within_10_seconds_fails_the_payment(emu: Emulator, bot: BotClient, ann: EmulatedUser,
                                                            autojump_clock: trio.abc.Clock) -> None:
    seen: list[Update] = []
    await star_invoice(bot)
    queries: list[PreCheckoutQuery] = []

    async def too_slow() -> None:
        queries.append(await pre_checkout(bot, seen))
        await trio.sleep(PRE_CHECKOUT_TIMEOUT + 0.5)

    start = trio.current_time()
    outcome = await paying(ann, too_slow)
    assert outcome.status == "timeout" and ann.stars == 10_000
    assert trio.current_time() - start >= PRE_CHECKOUT_TIMEOUT
    with pytest.raises(BadRequest) as late:
        await bot.answer_pre_checkout_query(queries[0].id, ok=True)
    assert late.value.description == QUERY_TOO_OLD
    assert emu.payments.charges == {}


async def test_unknown_or_repeated_answers_are_too_old(bot: BotClient, ann: EmulatedUser) -> None:
    seen: list[Update] = []
    with pytest.raises(BadRequest) as unknown:
        await bot.answer_pre_checkout_query("123", ok=True)
    assert unknown.value.description == QUERY_TOO_OLD
    await star_invoice(bot)
    queries: list[PreCheckoutQuery] = []

    async def answer_twice() -> None:
        queries.append(await pre_checkout(bot, seen))
        assert await bot.answer_pre_checkout_query(queries[0].id, ok=True)
        with pytest.raises(BadRequest) as again:
            await bot.answer_pre_checkout_query(queries[0].id, ok=False, error_message="changed my mind")
        assert again.value.description == QUERY_TOO_OLD

    assert (await paying(ann, answer_twice)).status == "paid"


async def test_an_unpaid_invoice_stays_unpaid(emu: Emulator, bot: BotClient, ann: EmulatedUser) -> None:
    await star_invoice(bot)
    updates = await bot.get_updates(timeout=0)
    assert [u.pre_checkout_query for u in updates] == [None]  # only /start: nobody pressed Pay
    assert ann.payments == [] and ann.stars == 10_000 and emu.payments.charges == {}


async def test_unaffordable_stars_never_reach_the_bot(emu: Emulator, bot: BotClient, ann: EmulatedUser) -> None:
    ann.stars = 49
    await star_invoice(bot)
    outcome = await ann.pay()
    assert outcome.status == "insufficient_stars" and outcome.query_id is None
    assert all(u.pre_checkout_query is None for u in await bot.get_updates(timeout=0))


async def test_repeated_delivery_of_a_payment(bot: BotClient, ann: EmulatedUser) -> None:
    seen: list[Update] = []
    await star_invoice(bot)
    outcome = await pay_ok(bot, ann, seen)
    (first,) = await next_updates(bot, seen)
    again = ann.repeat_last_payment()
    (second,) = await next_updates(bot, seen)
    assert second.update_id == again != first.update_id
    assert second.message == first.message  # the same message, the same charge id
    assert second.message is not None and second.message.successful_payment is not None
    assert second.message.successful_payment.telegram_payment_charge_id == outcome.charge_id
    assert ann.stars == 10_000 - 50  # a repeated update charges nothing


async def test_refund_once(emu: Emulator, bot: BotClient, ann: EmulatedUser) -> None:
    seen: list[Update] = []
    await star_invoice(bot)
    outcome = await pay_ok(bot, ann, seen)
    await next_updates(bot, seen)
    assert outcome.charge_id is not None
    assert await bot.refund_star_payment(1001, outcome.charge_id)
    assert ann.stars == 10_000
    (update,) = await next_updates(bot, seen)
    assert update.message is not None and update.message.refunded_payment is not None
    refunded = update.message.refunded_payment
    assert (refunded.currency, refunded.total_amount, refunded.invoice_payload) == ("XTR", 50, "order:7")
    assert refunded.telegram_payment_charge_id == outcome.charge_id
    with pytest.raises(BadRequest) as twice:
        await bot.refund_star_payment(1001, outcome.charge_id)
    assert twice.value.description == "Bad Request: CHARGE_ALREADY_REFUNDED"
    assert ann.stars == 10_000 and await next_updates(bot, seen, timeout=0) == []


async def test_refund_of_an_unknown_charge(emu: Emulator, bot: BotClient, ann: EmulatedUser) -> None:
    seen: list[Update] = []
    with pytest.raises(BadRequest) as unknown:
        await bot.refund_star_payment(1001, "stxNoSuchCharge")
    assert unknown.value.description == "Bad Request: CHARGE_NOT_FOUND"
    await star_invoice(bot)
    outcome = await pay_ok(bot, ann, seen)
    assert outcome.charge_id is not None
    emu.user(1002, first_name="Bob")
    with pytest.raises(BadRequest, match="CHARGE_NOT_FOUND"):  # someone else's charge
        await bot.refund_star_payment(1002, outcome.charge_id)


async def test_star_transactions_list_payments_and_refunds_oldest_first(
    emu: Emulator, api, bot: BotClient, ann: EmulatedUser, autojump_clock: trio.abc.Clock
) -> None:
    seen: list[Update] = []
    assert (await bot.get_star_transactions()).transactions == []
    charges = []
    for n in range(3):
        await star_invoice(bot, payload=f"order:{n}", amount=10 + n)
        charges.append((await pay_ok(bot, ann, seen)).charge_id)
    await bot.send_invoice(1001, "Key", "One key", "fiat:1", "USD", [LabeledPrice(label="Key", amount=499)],
                           provider_token="284685063:TEST:x")
    await pay_ok(bot, ann, seen)  # a card payment is no Stars transaction
    assert charges[0] is not None
    await bot.refund_star_payment(1001, charges[0])
    listed = (await bot.get_star_transactions()).transactions
    # The refund is a transaction of its own, with the payment's id and the payer as its receiver.
    assert [(t.id, t.amount, t.source is not None, t.receiver is not None) for t in listed] == [
        (charges[0], 10, True, False), (charges[1], 11, True, False), (charges[2], 12, True, False),
        (charges[0], 10, False, True),
    ]
    partner = listed[1].source
    assert partner is not None and partner.user is not None
    assert (partner.type, partner.transaction_type, partner.user.id, partner.invoice_payload) == (
        "user", "invoice_payment", 1001, "order:1"
    )
    refund = listed[3].receiver
    assert refund is not None and refund.invoice_payload == "order:0" and refund.user is not None and refund.user.id == 1001
    # Paging: `offset` transactions skipped, at most `limit`; both clamped as the official server does.
    assert [t.id for t in (await bot.get_star_transactions(offset=1, limit=2)).transactions] == charges[1:3]
    assert (await bot.get_star_transactions(offset=4)).transactions == []
    assert len((await api.ok("getStarTransactions", limit=0))["transactions"]) == 1
    assert len((await api.ok("getStarTransactions", limit=500))["transactions"]) == 4
    assert len((await api.ok("getStarTransactions", offset=-3))["transactions"]) == 4
    raw = (await api.ok("getStarTransactions", limit=1))["transactions"][0]
    assert list(raw) == ["id", "amount", "date", "source"] and isinstance(raw["date"], int)


async def test_a_payment_whose_update_is_lost_is_still_charged_and_listed(bot: BotClient, ann: EmulatedUser) -> None:
    seen: list[Update] = []
    await star_invoice(bot)
    outcome = await pay_ok(bot, ann, seen, deliver=False)
    assert outcome.status == "paid" and outcome.update_id is None and ann.stars == 10_000 - 50
    assert await next_updates(bot, seen, timeout=0) == []
    assert [t.id for t in (await bot.get_star_transactions()).transactions] == [outcome.charge_id]
    # Delivered again later (as a redelivery would), it is the same payment.
    again = ann.repeat_last_payment()
    (update,) = await next_updates(bot, seen)
    assert update.update_id == again and update.message is not None and update.message.successful_payment is not None


async def test_fiat_payment_has_provider_ids_and_no_star_refund(bot: BotClient, ann: EmulatedUser) -> None:
    seen: list[Update] = []
    await bot.send_invoice(1001, "Key", "One key", "fiat:1", "USD", [LabeledPrice(label="Key", amount=499)],
                           provider_token="284685063:TEST:x", need_email=True)
    outcome = await pay_ok(bot, ann, seen)
    assert outcome.status == "paid" and outcome.currency == "USD" and ann.stars == 10_000
    assert outcome.message is not None and outcome.message["successful_payment"]["provider_payment_charge_id"]
    assert outcome.charge_id is not None
    with pytest.raises(BadRequest, match="CHARGE_NOT_FOUND"):
        await bot.refund_star_payment(1001, outcome.charge_id)


async def test_invoice_link_can_be_paid(emu: Emulator, api, bot: BotClient, ann: EmulatedUser) -> None:
    link = await api.ok("createInvoiceLink", title="Key", description="One key", payload="link:1", currency="XTR",
                        prices=[{"label": "Key", "amount": 20}])
    assert link.startswith("https://t.me/$")
    seen: list[Update] = []
    assert (await pay_ok(bot, ann, seen, link=link)).invoice_payload == "link:1"
    assert (await pay_ok(bot, ann, seen, link=link)).status == "paid"  # a link is not used up
    assert ann.stars == 10_000 - 40
    with pytest.raises(EmulatorError, match="no invoice link"):
        await ann.pay(link="https://t.me/$nope")


async def test_payment_objects_follow_the_spec(spec, api, bot: BotClient, ann: EmulatedUser) -> None:
    check(spec, await api.ok("sendInvoice", chat_id=1001, title="Key", description="One key", payload="p",
                             currency="XTR", prices=[{"label": "Key", "amount": 5}]), "Message", "invoice")
    raw: list[dict[str, Any]] = []

    async def answer() -> None:
        while not raw:
            raw.extend(u for u in await api.ok("getUpdates", timeout=5) if "pre_checkout_query" in u)
        await bot.answer_pre_checkout_query(raw[0]["pre_checkout_query"]["id"], ok=True)

    outcome = await paying(ann, answer)
    assert outcome.charge_id is not None
    await bot.refund_star_payment(1001, outcome.charge_id)
    for update in [*raw, *await api.ok("getUpdates", offset=raw[0]["update_id"] + 1)]:
        check(spec, update, "Update", "update")


async def test_pay_over_the_test_api(emu: Emulator, client: httpx.AsyncClient, bot: BotClient, ann: EmulatedUser) -> None:
    seen: list[Update] = []
    await star_invoice(bot)
    replies: list[dict[str, Any]] = []

    async def pay_by_http() -> None:
        # This test is the bot, and answers nothing after the payment: no waiting for an answer.
        r = await client.post("/_emulator/users/1001/pay", json={"wait": 0})
        replies.append(r.json())

    async with trio.open_nursery() as nursery:
        nursery.start_soon(pay_by_http)
        query = await pre_checkout(bot, seen)
        await bot.answer_pre_checkout_query(query.id, ok=True)
    (reply,) = replies
    assert reply["status"] == "paid" and reply["charge_id"].startswith("stx") and "error_message" not in reply
    assert (await client.get("/_emulator/users/1001/stars")).json() == {"stars": 10_000 - 50}
    r = await client.post("/_emulator/users/1001/pay", json={})
    assert r.status_code == 400 and "no unpaid invoice" in r.json()["error"]
