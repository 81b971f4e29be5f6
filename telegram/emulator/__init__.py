"""telegram.emulator: an in-memory Telegram that speaks the real Bot API (the sandbox).

    emu = Emulator()
    bot = emu.create_bot(token="123456:TEST", username="shop_bot", first_name="Shop")
    client = httpx.AsyncClient(transport=emu.transport(), base_url="http://emulator")
    user = emu.user(1001, first_name="Ann")
    await user.send_text("/start")
    await user.wait_for_text("Welcome")
    outcome = await user.pay()   # the newest invoice; see payments.py

Self-contained: it works on plain dicts and JSON and imports nothing else from the project but the
HTTP doors it shares with the CryptoPay twin (`telegram.doors`), so the client and the bot are tested
against it rather than against themselves. The shop never imports it: the sandbox, the tests and the
benchmarks do.
"""

from .core import CALLBACK_ANSWER_TIMEOUT, ApiOutcome, Emulator
from .errors import ButtonNotFound, EmulatorError
from .faults import Fault, FaultPlan
from .groups import Group
from .http import serve_emulator
from .payments import PRE_CHECKOUT_TIMEOUT, PaymentOutcome
from .state import BotRecord
from .user import EmulatedUser

__all__ = [
    "CALLBACK_ANSWER_TIMEOUT",
    "ApiOutcome",
    "BotRecord",
    "ButtonNotFound",
    "EmulatedUser",
    "Emulator",
    "EmulatorError",
    "Fault",
    "FaultPlan",
    "Group",
    "PRE_CHECKOUT_TIMEOUT",
    "PaymentOutcome",
    "serve_emulator",
]
