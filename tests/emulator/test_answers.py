"""The test API's send, press and pay answer once the bot has answered, so that a script's next line
(a press on the button that answer brought) finds it; a bot that never answers costs `wait` seconds."""

from typing import Any

import httpx
import trio

from .conftest import Api

USER = "/_emulator/users/1001"


async def play_a_slow_bot(api: Api) -> None:
    """A bot whose every answer takes a while (a slow database), and whose screens take several calls."""
    offset = 0
    while True:
        for update in await api.ok("getUpdates", offset=offset, timeout=30):
            offset = update["update_id"] + 1
            message = update.get("message") or {}
            if message.get("text") == "/start":
                await trio.sleep(2)
                await api.ok("sendMessage", chat_id=1001, text="Menu",
                             reply_markup={"inline_keyboard": [[{"text": "Buy", "callback_data": "buy"}]]})
            elif "callback_query" in update:
                query = update["callback_query"]
                await api.ok("editMessageText", chat_id=1001, message_id=query["message"]["message_id"], text="Your order")
                # Longer than the chat's quiet time: only the answer to the press says the screen is done.
                await trio.sleep(3)
                await api.ok("sendInvoice", chat_id=1001, title="Key", description="One key", payload="order:1",
                             currency="XTR", prices=[{"label": "Key", "amount": 5}])
                await api.ok("answerCallbackQuery", callback_query_id=query["id"])
            elif "pre_checkout_query" in update:
                await api.ok("answerPreCheckoutQuery", pre_checkout_query_id=update["pre_checkout_query"]["id"], ok=True)
            elif "successful_payment" in message:
                await trio.sleep(2)
                await api.ok("sendMessage", chat_id=1001, text="✅ Paid")
                await trio.sleep(0.1)
                await api.ok("sendMessage", chat_id=1001, text="Your key: K-1")


async def texts(client: httpx.AsyncClient) -> list[Any]:
    transcript = (await client.get("/_emulator/chats/1001/transcript")).json()
    return [m.get("text") or ("invoice" if "invoice" in m else "payment") for m in transcript]


async def test_send_press_and_pay_answer_once_the_bot_has(
    client: httpx.AsyncClient, api: Api, autojump_clock: trio.abc.Clock
) -> None:
    async with trio.open_nursery() as nursery:
        nursery.start_soon(play_a_slow_bot, api)
        await client.post(f"{USER}/send", json={"text": "/start", "first_name": "Ann"})
        assert await texts(client) == ["/start", "Menu"]
        pressed = await client.post(f"{USER}/press", json={"label": "Buy"})
        assert pressed.status_code == 200
        assert await texts(client) == ["/start", "Your order", "invoice"]
        assert [a["callback_query_id"] for a in (await client.get(f"{USER}/callback_answers")).json()] == [
            pressed.json()["callback_query_id"]
        ]
        paid = (await client.post(f"{USER}/pay", json={})).json()
        assert paid["status"] == "paid"
        assert (await texts(client))[-2:] == ["✅ Paid", "Your key: K-1"]

        # Nothing answers "hello": the answer comes after `wait` seconds, with what there is.
        hello = await client.post(f"{USER}/send", json={"text": "hello", "wait": 4})
        assert hello.status_code == 200 and hello.json()["text"] == "hello"
        for wait in (-1, "soon", True, 61):
            refused = await client.post(f"{USER}/press", json={"label": "Buy", "wait": wait})
            assert refused.status_code == 400 and "wait" in refused.json()["error"]
        nursery.cancel_scope.cancel()
