"""Acting as a user in the chat: buttons by label, answers to typed text, entity texts, screens opened,
callback answers, and a forged button press."""

from decimal import Decimal
from typing import Any

from storage import Store
from telegram.emulator import EmulatedUser
from tests.support.waiting import eventually

PROFILE_LABEL = {"en": "👤 Profile", "ru": "👤 Профиль"}


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [button for row in message.get("reply_markup", {}).get("inline_keyboard", []) for button in row]


def labels(message: dict[str, Any]) -> list[str]:
    return [button["text"] for button in buttons(message)]


def entity_text(text: str, entity: dict[str, Any]) -> str:
    """The part of `text` an entity covers (its offset and length count UTF-16 units)."""
    units = text.encode("utf-16-le")
    return units[2 * entity["offset"] : 2 * (entity["offset"] + entity["length"])].decode("utf-16-le")


async def press_when_shown(user: EmulatedUser, label: str) -> None:
    await user.wait_for(lambda m: label in labels(m))
    await user.press(label)


async def reply_to(user: EmulatedUser, text: str) -> dict[str, Any]:
    """Send `text`; the bot's first message after it."""
    sent = await user.send_text(text)
    return await user.wait_for(lambda m: m["message_id"] > sent["message_id"])


async def start(user: EmulatedUser, text: str = "/start") -> dict[str, Any]:
    """Send `text` (a /start by default) and wait for the bot's answer to it."""
    before = len(user.bot_messages())
    await user.send_text(text)
    await eventually(lambda: len(user.bot_messages()) > before, what=f"an answer to {text!r}")
    return user.bot_messages()[-1]


async def last_answer(user: EmulatedUser, count_before: int, timeout: float = 5.0) -> dict[str, Any]:
    """The answer to the user's newest press, among those after the first `count_before`: an earlier
    press's answer may still come after the screen it answers (Telegram runs an answer carried in a
    webhook response after the request), so the count alone could name that one."""

    def answered() -> dict[str, Any] | None:
        return next((a for a in user.callback_answers[count_before:] if a["callback_query_id"] == user.last_press), None)

    await eventually(lambda: answered() is not None, timeout, "the answer to the newest press")
    answer = answered()
    assert answer is not None
    return answer


async def open_card(user: EmulatedUser, *path: str, shop: str = "🛍 Shop") -> None:
    """/start → Shop → each label of `path` in turn (categories, then the item) → the item card."""
    await user.send_text("/start")
    await press_when_shown(user, shop)
    for label in path:
        await press_when_shown(user, label)
    await user.wait_for(lambda m: "Buy" in labels(m) or "Купить" in labels(m))


async def open_item(user: EmulatedUser, title: str = "Space <Game> & Co", price: str = "10.00 USD") -> None:
    """/start → Shop → Games → the item card (the item `seed_item` adds)."""
    await user.send_text("/start")
    await user.wait_for_text("Welcome")
    await user.press("🛍 Shop")
    await user.wait_for_text("Choose a category")
    await user.press("Games (1)")
    await user.wait_for_text("Choose an item")
    await user.press(f"{title} · {price}")
    await user.wait_for_text("In stock:")


async def order_one(user: EmulatedUser, store: Store, balance: Decimal) -> None:
    """`open_item`, `balance` credited, Buy, a quantity of 1: the order's confirmation is on screen."""
    await open_item(user)
    await store.credit_user(user.id, balance)
    await user.press("Buy")
    await user.wait_for_text("How many would you like?")
    await user.press("1")
    await user.wait_for_text(f"Your balance: {balance} USD")


async def open_profile(user: EmulatedUser, language: str = "en") -> dict[str, Any]:
    """/menu → Profile; returns the profile card (the menu message, edited)."""
    menu = await start(user, "/menu")
    await user.press(PROFILE_LABEL[language], menu["message_id"])
    return await user.wait_for(lambda m: m["message_id"] == menu["message_id"] and "ID: " in m["text"])


async def press_data(user: EmulatedUser, data: str) -> None:
    """Press a button carrying `data` on the user's newest bot message, as a modified client could:
    the bot never offered it."""
    await user.press_data(data)
