"""aiogram 3 as the judge of the Bot API emulator: its pydantic models decode every answer and its exception
classes classify every error, so a check passes only when a client we did not write accepts the answer.

    async with open_telegram() as tg:                      # the emulator served over HTTP (hypercorn, trio)
        await tg.ann.send_text("/start")                   # the user side: the emulator's in-memory user
        message = await tg.judge(lambda bot: bot.send_message(tg.ann.id, "Hi"))   # aiogram's Message

aiogram is asyncio-only and the tests are trio: each judged call runs on one asyncio loop kept in a daemon
thread, with a Bot on an AiohttpSession pointed at the emulator (`TelegramAPIServer.from_base`), and the
test's trio task waits for it in a worker thread (`trio.to_thread.run_sync`), while trio serves the
emulator in the test's nursery. A call that does not
come back in JUDGE_TIMEOUT seconds fails the test instead of hanging it. What aiogram returns (pydantic
models) or raises (TelegramBadRequest, ClientDecodeError, ...) crosses back to the test as is.
"""

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass

import trio
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import LabeledPrice, Message, PreCheckoutQuery

from telegram.emulator import EmulatedUser, Emulator, PaymentOutcome, serve_emulator
from telegram.emulator.state import BotRecord

TOKEN = "123456:CONFORMANCE"
JUDGE_TIMEOUT = 10.0


class _AsyncioThread:
    """One asyncio loop in a daemon thread for the whole test run, where every judged call runs."""

    _loop: asyncio.AbstractEventLoop | None = None
    _lock = threading.Lock()

    @classmethod
    def loop(cls) -> asyncio.AbstractEventLoop:
        with cls._lock:
            if cls._loop is None:
                # A plain loop, not the policy's: trio_asyncio (imported by the shop's storage) installs a
                # policy that refuses to make loops while a trio run is active.
                cls._loop = asyncio.SelectorEventLoop()
                threading.Thread(target=cls._loop.run_forever, name="aiogram-judge", daemon=True).start()
            return cls._loop


class Judge:
    """Runs `call(bot)` with an aiogram Bot pointed at `base_url` (see the module docstring). One Bot per
    token for the judge's life (building an AiohttpSession costs about 80 ms: its TLS context); `close()`
    closes them."""

    def __init__(self, base_url: str, token: str = TOKEN) -> None:
        self.base_url = base_url
        self.token = token
        self._bots: dict[str, Bot] = {}

    async def __call__[T](self, call: Callable[[Bot], Awaitable[T]], *, token: str | None = None) -> T:
        return await self.run(self._in_asyncio(call, token or self.token))

    async def run[T](self, coroutine: Coroutine[None, None, T]) -> T:
        """Run `coroutine` on the judge's asyncio loop and wait for its result (or failure) from trio."""
        future = asyncio.run_coroutine_threadsafe(coroutine, _AsyncioThread.loop())
        try:
            with trio.fail_after(JUDGE_TIMEOUT):
                return await trio.to_thread.run_sync(future.result, abandon_on_cancel=True)
        finally:
            future.cancel()

    async def _in_asyncio[T](self, call: Callable[[Bot], Awaitable[T]], token: str) -> T:
        bot = self._bots.get(token)
        if bot is None:
            bot = self._bots[token] = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(self.base_url)))
        return await call(bot)

    @asynccontextmanager
    async def polling(self, dispatcher: Dispatcher) -> AsyncIterator[None]:
        """Run `dispatcher` as an aiogram bot does (long polling through getUpdates, handlers as tasks) on the
        judge's loop for the block's duration, then stop it as its owner would (`stop_polling`)."""
        bot = await self(_itself)
        running = asyncio.run_coroutine_threadsafe(
            dispatcher.start_polling(bot, polling_timeout=1, handle_signals=False, close_bot_session=False), _AsyncioThread.loop()
        )
        try:
            yield
        finally:
            await self.run(dispatcher.stop_polling())
            with trio.fail_after(JUDGE_TIMEOUT):
                await trio.to_thread.run_sync(running.result, abandon_on_cancel=True)

    def close(self) -> None:
        """Close the judge's sessions in the background: aiogram's close() sleeps 250 ms for TLS connections
        to wind down, which a test need not wait for (the loop outlives the test)."""
        for bot in self._bots.values():
            asyncio.run_coroutine_threadsafe(bot.session.close(), _AsyncioThread.loop())


async def _itself(bot: Bot) -> Bot:
    return bot


@dataclass
class Telegram:
    """The served emulator with one bot (`TOKEN`) and one user who has started it (`ann`)."""

    emu: Emulator
    bot: BotRecord
    ann: EmulatedUser
    judge: Judge
    base_url: str


@asynccontextmanager
async def open_telegram(emu: Emulator | None = None) -> AsyncIterator[Telegram]:
    emu = emu or Emulator()
    bot = emu.create_bot(token=TOKEN, username="judged_bot", first_name="Judged")
    async with trio.open_nursery() as nursery:
        port = await nursery.start(serve_emulator, emu, "127.0.0.1", 0)
        base_url = f"http://127.0.0.1:{port}"
        ann = emu.user(1001, "Ann", username="ann", language_code="en")
        judge = Judge(base_url)
        try:
            yield Telegram(emu, bot, ann, judge, base_url)
        finally:
            judge.close()
            nursery.cancel_scope.cancel()


async def started(tg: Telegram) -> None:
    """Ann opens the chat (bots cannot start one) and the bot has read her /start."""
    await tg.ann.send_text("/start")
    await tg.judge(lambda bot: bot.get_updates(offset=-1))


def invoice(bot: Bot, chat_id: int, stars: int = 50) -> Awaitable[Message]:
    """sendInvoice of a 50-Star game key, payload "order:7"."""
    return bot.send_invoice(
        chat_id,
        title="Game key",
        description="One key for the game",
        payload="order:7",
        currency="XTR",
        prices=[LabeledPrice(label="Key", amount=stars)],
    )


async def _pre_checkout(bot: Bot) -> tuple[PreCheckoutQuery, int]:
    """The bot's next pre_checkout_query and its update_id, read with getUpdates as a polling bot does
    (confirming older updates)."""
    offset = 0
    while True:
        for update in await bot.get_updates(offset=offset, timeout=1):
            offset = update.update_id + 1
            if update.pre_checkout_query is not None:
                return update.pre_checkout_query, update.update_id


async def paid(tg: Telegram) -> tuple[PaymentOutcome, PreCheckoutQuery]:
    """Ann pays the newest invoice while the bot, through aiogram, accepts its pre-checkout query."""
    outcome: list[PaymentOutcome] = []

    async def pay() -> None:
        outcome.append(await tg.ann.pay())

    async with trio.open_nursery() as nursery:
        nursery.start_soon(pay)

        async def accept(bot: Bot) -> PreCheckoutQuery:
            query, update_id = await _pre_checkout(bot)
            assert await bot.answer_pre_checkout_query(query.id, ok=True) is True
            await bot.get_updates(offset=update_id + 1, timeout=0)  # confirmed, as the bot's next poll would
            return query

        query = await tg.judge(accept)
    return outcome[0], query
