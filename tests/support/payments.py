"""Helpers for the payment tests: a buyer tops up or pays, as in the chat."""

from typing import Any

from telegram.emulator import EmulatedUser, PaymentOutcome
from tests.support.chat import press_when_shown

STARS_10 = "⭐ Telegram Stars (500 ⭐)"


def invoices(user: EmulatedUser) -> list[dict[str, Any]]:
    return [m for m in user.bot_messages() if "invoice" in m]


def credited(user: EmulatedUser) -> int:
    """How many "Payment received" messages the buyer got."""
    return sum("Payment received" in (m.get("text") or "") for m in user.bot_messages())


async def choose_top_up(user: EmulatedUser, method: str = STARS_10, amount: str = "10.00 USD") -> None:
    """/start → Profile → Top up → `amount` → `method`."""
    await user.send_text("/start")
    for label in ("👤 Profile", "💳 Top up", amount, method):
        await press_when_shown(user, label)


async def top_up(user: EmulatedUser, method: str = STARS_10, amount: str = "10.00 USD") -> PaymentOutcome:
    """Top up through a Telegram invoice (Stars or card) and pay it."""
    before = len(invoices(user))
    await choose_top_up(user, method, amount)
    await user.wait_for(lambda _: len(invoices(user)) > before)
    return await user.pay()
