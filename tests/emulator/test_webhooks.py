"""Webhooks as Telegram runs them: setWebhook's checks and wording, getUpdates refused while one is
set, one POST per update with the secret header, retried with backoff on a failure (recorded in
getWebhookInfo), and a chat's next update only after the request with its previous one finished."""

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import trio

from telegram.doors import serve
from telegram.emulator import Emulator
from tests.emulator.conftest import TOKEN, Api

SECRET = "s3cret_Token-1"


@pytest.fixture
async def local() -> AsyncIterator[tuple[Emulator, Api]]:
    """An emulator that takes webhooks on loopback (as the sandbox's does), and a raw caller of it."""
    emu = Emulator(local_webhooks=True)
    emu.create_bot(token=TOKEN)
    async with httpx.AsyncClient(transport=emu.transport(), base_url="http://emulator") as client:
        yield emu, Api(client)


class Receiver:
    """A webhook endpoint on loopback: records every request; answers `statuses` in turn (then 200),
    with `bodies` (content type, body) in turn (then none); a request whose update carries text in
    `hold` waits until `release` is set."""

    def __init__(
        self, statuses: list[int] | None = None, hold: str | None = None, bodies: list[tuple[bytes, bytes]] | None = None
    ) -> None:
        self.statuses = list(statuses or [])
        self.bodies = list(bodies or [])
        self.hold = hold
        self.release = trio.Event()
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.arrived = trio.Event()

    async def app(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        update = json.loads(body)
        self.requests.append(({k.decode(): v.decode() for k, v in scope["headers"]}, update))
        self.arrived.set()
        self.arrived = trio.Event()
        if self.hold is not None and update.get("message", {}).get("text") == self.hold:
            await self.release.wait()
        status = self.statuses.pop(0) if self.statuses else 200
        kind, answer = self.bodies.pop(0) if self.bodies else (b"text/plain", b"")
        headers = [(b"content-type", kind), (b"content-length", str(len(answer)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    def texts(self) -> list[str]:
        return [update["message"]["text"] for _, update in self.requests]

    async def wait_for(self, count: int) -> None:
        with trio.fail_after(10):
            while len(self.requests) < count:
                await self.arrived.wait()


async def test_set_webhook_checks_as_telegram_does(emu: Emulator, api) -> None:
    refused = "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
    assert await api.error("setWebhook", url="http://example.com/hook") == (400, refused)
    assert await api.error("setWebhook", url="http://127.0.0.1:8080/hook") == (400, refused), "loopback only in a local emulator"
    assert await api.error("setWebhook", url="https://example.com:8080/hook") == (
        400,
        "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
    )
    for secret in ("has space", "x" * 257, "ключ"):
        assert await api.error("setWebhook", url="https://example.com/hook", secret_token=secret) == (
            400,
            "Bad Request: secret token contains unallowed characters",
        )
    assert (await api.ok("getWebhookInfo"))["url"] == ""
    assert (
        await api.ok(
            "setWebhook", url="https://example.com:8443/hook", secret_token=SECRET, max_connections=5, allowed_updates=["message"]
        )
        is True
    )
    info = await api.ok("getWebhookInfo")
    assert info == {
        "url": "https://example.com:8443/hook",
        "has_custom_certificate": False,
        "pending_update_count": 0,
        "max_connections": 5,
        "allowed_updates": ["message"],
    }
    assert "secret" not in json.dumps(info), "getWebhookInfo never tells the secret"
    assert await api.error("getUpdates") == (
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    )
    assert await api.ok("setWebhook", url="") is True, "an empty url removes the webhook"
    assert await api.ok("getUpdates") == []


async def test_each_update_is_posted_with_the_secret_and_retried_until_answered_2xx(local: tuple[Emulator, Api]) -> None:
    emu, api = local
    receiver = Receiver(statuses=[500, 401])
    async with trio.open_nursery() as nursery:
        port = await nursery.start(serve, receiver.app)
        await nursery.start(emu.deliver_webhooks)
        url = f"http://127.0.0.1:{port}/telegram/webhook"
        assert await api.ok("setWebhook", url=url, secret_token=SECRET) is True
        ann = emu.user(1001, first_name="Ann")
        sent = await ann.send_text("/start")
        await receiver.wait_for(1)
        info = await api.ok("getWebhookInfo")
        assert info["pending_update_count"] == 1
        await receiver.wait_for(3)
        with trio.fail_after(5):
            while emu.pending_updates():
                await trio.sleep(0.01)
        nursery.cancel_scope.cancel()
    assert [headers["x-telegram-bot-api-secret-token"] for headers, _ in receiver.requests] == [SECRET] * 3
    assert all(headers["content-type"] == "application/json" for headers, _ in receiver.requests)
    bodies = [update for _, update in receiver.requests]
    assert bodies[0] == bodies[1] == bodies[2] and bodies[0]["message"]["message_id"] == sent["message_id"]
    assert emu.updates_delivered() == {bodies[0]["update_id"]: 1}
    info = await api.ok("getWebhookInfo")
    assert info["pending_update_count"] == 0
    assert info["last_error_message"] == "Wrong response from the webhook: 401 Unauthorized"
    assert isinstance(info["last_error_date"], int)


async def test_a_chats_next_update_waits_for_its_previous_request(local: tuple[Emulator, Api]) -> None:
    emu, api = local
    receiver = Receiver(hold="ann 1")
    async with trio.open_nursery() as nursery:
        port = await nursery.start(serve, receiver.app)
        await nursery.start(emu.deliver_webhooks)
        assert await api.ok("setWebhook", url=f"http://localhost:{port}/hook") is True
        ann, bob = emu.user(1001), emu.user(1002)
        await ann.send_text("ann 1")
        await ann.send_text("ann 2")
        await bob.send_text("bob 1")
        await receiver.wait_for(2)
        await trio.sleep(0.2)
        assert sorted(receiver.texts()) == ["ann 1", "bob 1"], "ann's second waits for her first's answer"
        assert "secret" not in str(receiver.requests[0][0]).lower(), "no secret set, no header"
        receiver.release.set()
        await receiver.wait_for(3)
        nursery.cancel_scope.cancel()
    assert receiver.texts()[-1] == "ann 2"


async def test_a_refused_connection_is_the_last_error_and_the_update_stays_pending(local: tuple[Emulator, Api]) -> None:
    emu, api = local
    with trio.socket.socket() as closed:
        await closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        async with trio.open_nursery() as nursery:
            await nursery.start(emu.deliver_webhooks)
            assert await api.ok("setWebhook", url=f"http://127.0.0.1:{port}/hook") is True
            await emu.user(1001).send_text("hello")
            with trio.fail_after(5):
                while "last_error_message" not in (info := await api.ok("getWebhookInfo")):
                    await trio.sleep(0.01)
            nursery.cancel_scope.cancel()
    assert info["last_error_message"] == "Connection refused" and info["pending_update_count"] == 1
    assert await api.ok("deleteWebhook") is True
    assert [update["message"]["text"] for update in await api.ok("getUpdates")] == ["hello"], "kept for getUpdates"


async def test_a_call_carried_in_the_answer_is_run_as_telegram_runs_it(local: tuple[Emulator, Api]) -> None:
    emu, api = local
    ann = emu.user(1001, first_name="Ann")
    receiver = Receiver(
        bodies=[
            (b"application/json", json.dumps({"method": "sendMessage", "chat_id": ann.id, "text": "carried as JSON"}).encode()),
            (b"application/x-www-form-urlencoded", f"method=sendMessage&chat_id={ann.id}&text=carried+as+a+form".encode()),
            (b"application/json", json.dumps({"method": "sendMessage", "chat_id": 404, "text": "to nobody"}).encode()),
            (b"application/json", json.dumps({"chat_id": ann.id, "text": "no method, no call"}).encode()),
            (b"text/plain", b"method=sendMessage"),
        ]
    )
    async with trio.open_nursery() as nursery:
        port = await nursery.start(serve, receiver.app)
        await nursery.start(emu.deliver_webhooks)
        assert await api.ok("setWebhook", url=f"http://127.0.0.1:{port}/hook") is True
        for n in range(6):
            await ann.send_text(f"ann {n}")
        await receiver.wait_for(6)
        with trio.fail_after(5):
            while emu.pending_updates():
                await trio.sleep(0.01)
        nursery.cancel_scope.cancel()
    assert [message["text"] for message in ann.bot_messages()] == ["carried as JSON", "carried as a form"]
    assert set(emu.updates_delivered().values()) == {1}, "a carried call that fails does not fail the delivery"
    info = await api.ok("getWebhookInfo")
    assert "last_error_message" not in info
