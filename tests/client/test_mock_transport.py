"""The error mapping against canned Bot API answers (httpx.MockTransport), independent of the emulator."""

import json
from typing import Any

import httpx
import pytest
import trio

from telegram.client import BotClient
from telegram.config import TelegramSettings
from telegram.errors import (
    BadRequest,
    BotAPIError,
    Conflict,
    Forbidden,
    NetworkError,
    NotFound,
    RetryAfter,
    ServerError,
    Unauthorized,
)

TOKEN = "42:SECRET_token-value"
SETTINGS = TelegramSettings(token=TOKEN, owner_id=1, max_retries=0)


def _answer(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.MockTransport:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=content, headers=headers)

    return httpx.MockTransport(handler)


def _error(code: int, description: str, **parameters: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


@pytest.mark.parametrize(
    ("status", "description", "expected"),
    [
        (400, "Bad Request: chat not found", BadRequest),
        (401, "Unauthorized: invalid token specified", Unauthorized),
        (403, "Forbidden: bot was blocked by the user", Forbidden),
        (404, "Not Found: method not found", NotFound),
        (409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running", Conflict),
        (500, "Internal Server Error", ServerError),
        (502, "Bad Gateway", ServerError),
        (418, "I'm a teapot", BotAPIError),
    ],
)
async def test_error_answers_map_to_their_class(status: int, description: str, expected: type) -> None:
    async with BotClient(SETTINGS, transport=_answer(status, _error(status, description))) as bot:
        with pytest.raises(expected) as e:
            await bot.call("sendMessage", {"chat_id": 1, "text": "x"})
    assert type(e.value) is expected
    assert (e.value.method, e.value.error_code, e.value.description) == ("sendMessage", status, description)


async def test_retry_after_carries_parameters() -> None:
    body = _error(429, "Too Many Requests: retry after 7", retry_after=7)
    async with BotClient(SETTINGS, transport=_answer(429, body, {"Retry-After": "7"})) as bot:
        with pytest.raises(RetryAfter) as e:
            await bot.call("getMe", {})
    assert e.value.retry_after == 7


async def test_retry_after_header_is_the_fallback() -> None:
    async with BotClient(SETTINGS, transport=_answer(429, _error(429, "Too Many Requests"), {"Retry-After": "4"})) as bot:
        with pytest.raises(RetryAfter) as e:
            await bot.call("getMe", {})
    assert e.value.retry_after == 4


async def test_429_is_waited_exactly(autojump_clock: trio.abc.Clock) -> None:
    log: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        log.append(trio.current_time())
        if len(log) == 1:
            return httpx.Response(429, json=_error(429, "Too Many Requests: retry after 2", retry_after=2))
        return httpx.Response(200, json={"ok": True, "result": True})

    settings = TelegramSettings(token=TOKEN, owner_id=1)
    async with BotClient(settings, transport=httpx.MockTransport(handler)) as bot:
        assert await bot.call("deleteMessage", {"chat_id": 1, "message_id": 2}) is True
    assert log[1] - log[0] == pytest.approx(2)


@pytest.mark.parametrize(("status", "expected"), [(502, ServerError), (200, NetworkError)])
async def test_non_api_answer(status: int, expected: type) -> None:
    async with BotClient(SETTINGS, transport=_answer(status, b"<html>proxy error</html>")) as bot:
        with pytest.raises(expected):
            await bot.call("getMe", {})


async def test_transport_error_is_network_error_without_url() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url}", request=request)

    async with BotClient(SETTINGS, transport=httpx.MockTransport(handler)) as bot:
        with pytest.raises(NetworkError) as e:
            await bot.get_me()
    assert "ConnectError" in str(e.value) and "<token>" in str(e.value)
    assert TOKEN not in str(e.value) and TOKEN not in repr(e.value)


async def test_request_shape() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True, "result": True})

    async with BotClient(SETTINGS, transport=httpx.MockTransport(handler)) as bot:
        await bot.answer_callback_query("q1")
    (request,) = seen
    assert request.url.path == f"/bot{TOKEN}/answerCallbackQuery"
    assert json.loads(request.content) == {"callback_query_id": "q1"}  # None and False defaults left out


async def test_every_attempt_is_counted() -> None:
    from prometheus_client import REGISTRY

    def count(outcome: str) -> float:
        labels = {"method": "getChat", "outcome": outcome}
        return REGISTRY.get_sample_value("shopkeeper_bot_api_requests_total", labels) or 0.0

    before = count("forbidden"), count("ok")
    async with BotClient(SETTINGS, transport=_answer(403, _error(403, "Forbidden: bot was kicked"))) as bot:
        with pytest.raises(Forbidden):
            await bot.call("getChat", {"chat_id": 1})
    async with BotClient(SETTINGS, transport=_answer(200, {"ok": True, "result": {"id": 1, "type": "private"}})) as bot:
        assert await bot.call("getChat", {"chat_id": 1}) == {"id": 1, "type": "private"}
    assert (count("forbidden"), count("ok")) == (before[0] + 1, before[1] + 1)
