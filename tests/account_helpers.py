"""Helpers for the buyer's-account tests: seeding purchases, reading keyboards, forging a press."""

from decimal import Decimal
from typing import Any

from conftest import RunningShop
from helpers import eventually
from storage import Delivered, PurchaseRequest, Store
from telegram.emulator import EmulatedUser

PROFILE_LABEL = {"en": "👤 Profile", "ru": "👤 Профиль"}


async def add_goods(store: Store, title: str, *, price: str = "10.00", units: int = 5, category: str = "Goods") -> int:
    """An item with `units` keys named "<title>-K<n>"; returns its id. The category is created once."""
    if not any(c.name == category for c in await store.list_categories()):
        await store.add_category(category)
    item = await store.add_item(category, title, Decimal(price))
    await store.add_stock(title, [f"{title}-K{n}" for n in range(1, units + 1)])
    return item.id


async def bought(store: Store, user_id: int, item_id: int, *, quantity: int = 1, key: str) -> Delivered:
    """One purchase through the purchase use case itself (the serializer's own call)."""
    [result] = await store.buy([PurchaseRequest(key=key, user_id=user_id, item_id=item_id, quantity=quantity)])
    assert isinstance(result, Delivered), result
    return result


async def start(user: EmulatedUser, text: str = "/start") -> dict[str, Any]:
    """Send `text` (a /start by default) and wait for the bot's answer to it."""
    before = len(user.bot_messages())
    await user.send_text(text)
    await eventually(lambda: len(user.bot_messages()) > before, what=f"an answer to {text!r}")
    return user.bot_messages()[-1]


async def open_profile(user: EmulatedUser, language: str = "en") -> dict[str, Any]:
    """/menu → Profile; returns the profile card (the menu message, edited)."""
    menu = await start(user, "/menu")
    await user.press(PROFILE_LABEL[language], menu["message_id"])
    return await user.wait_for(lambda m: m["message_id"] == menu["message_id"] and "ID: " in m["text"])


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [button for row in message.get("reply_markup", {}).get("inline_keyboard", []) for button in row]


def labels(message: dict[str, Any]) -> list[str]:
    return [button["text"] for button in buttons(message)]


async def press_data(shop: RunningShop, user: EmulatedUser, data: str) -> None:
    """Press a button carrying `data` on the user's newest bot message, as a modified client could:
    the bot never offered it."""
    bot = shop.emu.bot()
    chat = shop.emu.chat(bot, user.id)
    message = [m for m in chat.messages.values() if m["from"]["id"] == bot.id][-1]
    query = shop.emu.new_query(bot, user.id)
    bot.queue.push(
        "callback_query",
        {"id": query.id, "from": user.as_user(), "message": dict(message), "chat_instance": "1", "data": data},
    )


async def answer_after(user: EmulatedUser, count_before: int) -> dict[str, Any]:
    await eventually(lambda: len(user.callback_answers) > count_before, what="a callback answer")
    return user.callback_answers[count_before]
