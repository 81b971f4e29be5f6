"""Helpers for the buying tests: buttons by label, answers to typed text, entity texts."""

from typing import Any

from telegram.emulator import EmulatedUser


def labels(message: dict[str, Any]) -> list[str]:
    return [button["text"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for button in row]


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


async def open_card(user: EmulatedUser, *path: str, shop: str = "🛍 Shop") -> None:
    """/start → Shop → each label of `path` in turn (categories, then the item) → the item card."""
    await user.send_text("/start")
    await press_when_shown(user, shop)
    for label in path:
        await press_when_shown(user, label)
    await user.wait_for(lambda m: "Buy" in labels(m) or "Купить" in labels(m))
