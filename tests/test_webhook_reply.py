"""Webhook mode answers a pressed button in the webhook request's own response (the Bot API runs the
one call an answer carries): the buyer sees every answer, toasts and alerts included, and the shop
sends no answerCallbackQuery request of its own. A reply no handler fills in time lets the call go
as a request, as in polling mode."""

from decimal import Decimal

import trio
from prometheus_client import REGISTRY

from telegram.client.reply import WebhookReply, carry_in_reply
from tests.support.chat import last_answer, order_one
from tests.support.store import seed_item
from tests.support.waiting import eventually, until_idle
from tests.test_webhook_mode import webhook_shop


def answers_sent() -> float:
    """answerCallbackQuery requests this process sent to the Bot API, whatever their outcome."""
    return sum(
        sample.value
        for metric in REGISTRY.collect()
        if metric.name == "shopkeeper_bot_api_requests"
        for sample in metric.samples
        if sample.name.endswith("_total") and sample.labels.get("method") == "answerCallbackQuery"
    )


def answers_carried() -> float:
    return REGISTRY.get_sample_value("shopkeeper_bot_api_carried_total", {"method": "answerCallbackQuery"}) or 0.0


async def test_a_pressed_buttons_answer_rides_back_in_the_webhook_answer(database_url: str) -> None:
    async with webhook_shop(database_url) as shop:
        await seed_item(shop.store, units=["K1", "K2"])
        carol = shop.emu.user(1003, first_name="Carol")
        sent, carried = answers_sent(), answers_carried()
        await order_one(carol, shop.store, Decimal("4.99"))
        # The answer to a press comes after its screen: Telegram runs it once the request is answered.
        await eventually(lambda: len(carol.callback_answers) == 5, what="the five presses answered")
        before = len(carol.callback_answers)
        await carol.press("✅ Confirm")
        answer = await last_answer(carol, before)
        await until_idle(shop)
    assert answer["text"] == "Not enough balance: it costs 10.00 USD, you have 4.99 USD. Nothing was charged."
    assert answer["show_alert"] is True
    presses = 6  # Shop, Games, the item, Buy, 1, Confirm
    assert len(carol.callback_answers) == presses, "every press answered once"
    assert answers_carried() - carried == presses
    assert answers_sent() == sent, "no answer went as a request of its own"


async def test_a_reply_not_filled_in_time_lets_the_call_go_as_a_request() -> None:
    sent: list[str] = []

    async def network(method: str, params: dict[str, object], files: dict[str, object] | None) -> bool:
        sent.append(method)
        return True

    reply = WebhookReply()
    assert await reply.answer(patience=0.01) is None, "nothing carried: the request answers plain"
    assert reply.carry("answerCallbackQuery", {"callback_query_id": "1"}) is False
    filled = WebhookReply()
    assert filled.carry("answerCallbackQuery", {"callback_query_id": "7", "text": None, "show_alert": True})
    assert filled.carry("answerCallbackQuery", {"callback_query_id": "8"}) is False, "one call per answer"
    with trio.fail_after(1):
        assert await filled.answer() == b'{"callback_query_id":"7","show_alert":true,"method":"answerCallbackQuery"}'
    # Outside any update with a reply, the transformer passes every call on.
    assert await carry_in_reply(network, "answerCallbackQuery", {"callback_query_id": "9"}, None) is True
    assert sent == ["answerCallbackQuery"]
