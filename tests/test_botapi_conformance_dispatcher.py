"""An aiogram 3 Dispatcher bot runs against the emulator and a user drives it through the test API over HTTP
(issue 16): /start, a button, a Stars invoice and its payment; a document, a photo and channel membership.
Its handlers see only what aiogram decoded, so a conversation passes only if every update and answer is one
aiogram accepts.
"""

import base64
import re
from pathlib import Path
from typing import Any

import httpx
from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, LabeledPrice, Message, PreCheckoutQuery

from tests.support.aiogram_judge import open_telegram
from tests.support.images import png


def shop_router() -> Router:
    """A tiny shop: a welcome with a button, an invoice for a key, the pre-checkout answer and a receipt."""
    router = Router(name="shop")

    @router.message(CommandStart())
    async def welcome(message: Message) -> None:
        buy = InlineKeyboardButton(text="Buy a key", callback_data="buy:key")
        await message.answer(f"Welcome, {message.chat.first_name}!", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[buy]]))

    @router.callback_query(F.data == "buy:key")
    async def buy(query: CallbackQuery) -> None:
        assert query.message is not None
        await query.message.answer_invoice(
            title="Game key", description="One key", payload="key:1", currency="XTR", prices=[LabeledPrice(label="K", amount=50)]
        )
        await query.answer("Invoice sent")

    @router.pre_checkout_query()
    async def check(query: PreCheckoutQuery) -> None:
        await query.answer(ok=query.invoice_payload == "key:1")

    @router.message(F.successful_payment)
    async def receipt(message: Message) -> None:
        assert message.successful_payment is not None
        await message.answer(f"Paid {message.successful_payment.total_amount} ⭐, thank you!")

    return router


async def test_a_dispatcher_bot_sells_a_key_to_a_user_of_the_test_api() -> None:
    async with open_telegram() as tg, httpx.AsyncClient(base_url=f"{tg.base_url}/_emulator/users/{tg.ann.id}") as user:
        dispatcher = Dispatcher()
        dispatcher.include_router(shop_router())

        async def act(path: str, **data: Any) -> Any:
            r = await user.post(path, json=data)
            assert r.status_code == 200, r.text
            return r.json()

        async with tg.judge.polling(dispatcher):
            await act("/send", text="/start")
            await act("/press", label="Buy a key")
            paid = await act("/pay")
        transcript = (await user.get(f"{tg.base_url}/_emulator/chats/{tg.ann.id}/transcript")).json()

    assert paid["status"] == "paid" and paid["total_amount"] == 50
    bot_said = [m.get("text") or m.get("invoice", {}).get("title") for m in transcript if m["from"]["is_bot"]]
    assert bot_said == ["Welcome, Ann!", "Game key", "Paid 50 ⭐, thank you!"]
    assert tg.ann.callback_answers[-1]["text"] == "Invoice sent"


def files_router(channel: str) -> Router:
    """A bot that looks at what it is sent: a document's name and type, a photo's largest size and bytes,
    and whether the sender is a member of `channel`."""
    router = Router(name="files")

    @router.message(F.document)
    async def document(message: Message, bot: Bot) -> None:
        assert message.document is not None
        member = await bot.get_chat_member(channel, message.chat.id)
        await message.answer(f"{message.document.file_name} {message.document.mime_type} {member.status}")

    @router.message(F.photo)
    async def photo(message: Message, bot: Bot) -> None:
        assert message.photo is not None
        largest = message.photo[-1]
        got = await bot.download(largest.file_id)
        assert got is not None
        await message.answer(f"{largest.width}x{largest.height} {len(got.read())} bytes")

    return router


async def test_a_user_of_the_test_api_sends_files_to_a_dispatcher_bot() -> None:
    picture = png(640, 480)
    async with open_telegram() as tg, httpx.AsyncClient(base_url=f"{tg.base_url}/_emulator") as api:
        dispatcher = Dispatcher()
        dispatcher.include_router(files_router("@shop_news"))
        r = await api.put(f"/channels/@shop_news/members/{tg.ann.id}", json={"status": "administrator", "title": "News"})
        assert r.json() == {"ok": True}
        async with tg.judge.polling(dispatcher):
            content = base64.b64encode(b"KEY-1").decode()
            r = await api.post(f"/users/{tg.ann.id}/send_document", json={"file_name": "key.txt", "content": content})
            assert r.status_code == 200 and r.json()["document"]["mime_type"] == "text/plain"
            r = await api.post(f"/users/{tg.ann.id}/send_photo", json={"content": base64.b64encode(picture).decode()})
            assert r.status_code == 200
        bad = await api.post(f"/users/{tg.ann.id}/send_photo", json={"content": "not base64!"})
        transcript = (await api.get(f"/chats/{tg.ann.id}/transcript")).json()

    assert bad.status_code == 400
    bot_said = [m["text"] for m in transcript if m["from"]["is_bot"]]
    assert bot_said == ["key.txt text/plain administrator", f"640x480 {len(picture)} bytes"]


async def test_the_readmes_aiogram_example_reaches_the_emulator() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("### Any bot framework against the emulator")
    (example,) = re.findall(r"```python\n(.*?)```", readme[start : readme.index("\n## ", start)], flags=re.DOTALL)
    async with open_telegram() as tg:
        tg.emu.create_bot("100000:sandbox-token", "sandbox_bot", "Sandbox")

        async def get_me() -> str:
            names: dict[str, Any] = {}
            exec(example.replace("http://127.0.0.1:8081", tg.base_url), names)
            bot: Bot = names["bot"]
            async with bot:
                return (await bot.get_me()).username or ""

        assert await tg.judge.run(get_me()) == "sandbox_bot"
