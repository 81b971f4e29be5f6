"""One chat's updates keep their order when two processes behind a round-robin load balancer take
them in turn (webhook mode, one database): Telegram sends a chat's next update once the previous
request was answered, which a process does as soon as it has kept the update, so the next one
reaches the other process while the first may still be in hand there."""

import httpx
import trio

from telegram.emulator import Fault
from tests.support.balancer import RoundRobin
from tests.support.chat import start
from tests.support.shop import TOKEN, open_shop
from tests.support.waiting import eventually, until_idle
from tests.test_webhook_mode import PAGES, PATH, SECRET, webhook_emulator

COMMANDS = ["/help", "/rules", "/terms", "/privacy"]


async def test_a_chats_updates_are_answered_in_order_across_two_processes(database_url: str) -> None:
    emu = webhook_emulator()
    dan = emu.user(1004, first_name="Dan")
    async with trio.open_nursery() as nursery:
        await nursery.start(emu.deliver_webhooks)
        shops = dict(mode="webhook", webhook_secret=SECRET, shop=PAGES)
        async with open_shop(database_url, emu, **shops) as first, open_shop(database_url, emu, **shops) as second:
            balancer = RoundRobin([first.running.web_binds[0], second.running.web_binds[0]])
            url = await nursery.start(balancer.serve)
            async with httpx.AsyncClient(transport=emu.transport(), base_url="http://emulator") as api:
                answer = await api.post(f"/bot{TOKEN}/setWebhook", json={"url": url + PATH, "secret_token": SECRET})
                assert answer.json() == {"ok": True, "result": True}
            await start(dan)
            for shop in (first, second):
                await until_idle(shop)
            # Whichever process gets Dan's /help is slow to answer it (Telegram asks it to wait a
            # second), while his next commands reach the other process, then this one, in turn.
            emu.faults.inject(Fault(method="sendMessage", kind="retry_after", retry_after=1))
            for command in COMMANDS:
                await dan.send_text(command)
            await eventually(lambda: len(dan.bot_messages()) > len(COMMANDS), what="every page answered", timeout=15)
            for shop in (first, second):
                await until_idle(shop)
            pages = [message["text"] for message in dan.bot_messages()[1:]]
            assert pages == [f"{command[1:].upper()} PAGE" for command in COMMANDS]
            assert len(balancer.forwarded) == 2 and min(balancer.forwarded.values()) >= 2, balancer.forwarded
        nursery.cancel_scope.cancel()
