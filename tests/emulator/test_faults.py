"""Injected faults through the httpx transport."""

import httpx
import pytest
import trio

from telegram.emulator import Emulator, Fault


async def test_retry_after(emu: Emulator, client, api, ann) -> None:
    emu.faults.inject(Fault(method="sendMessage", kind="retry_after", retry_after=3, times=1))
    r = await client.post("/bot123456:TEST/sendMessage", json={"chat_id": 1001, "text": "x"})
    assert r.status_code == 429 and r.headers["retry-after"] == "3"
    assert r.json() == {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
                        "parameters": {"retry_after": 3}}
    assert ann.bot_messages() == []  # refused, not done
    await api.ok("sendMessage", chat_id=1001, text="x")  # times=1: the next call goes through
    assert [m for _, m, _ in emu.calls] == ["sendMessage", "sendMessage"]


async def test_fault_matches_only_its_method(emu: Emulator, api, ann) -> None:
    emu.faults.inject(Fault(method="sendDocument", kind="server_error"))
    await api.ok("sendMessage", chat_id=1001, text="x")
    assert len(emu.faults.pending) == 1


async def test_server_error(emu: Emulator, client) -> None:
    emu.faults.inject(Fault(kind="server_error", times=2))
    for _ in range(2):
        r = await client.get("/bot123456:TEST/getMe")
        assert (r.status_code, r.json()) == (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
    assert (await client.get("/bot123456:TEST/getMe")).status_code == 200
    emu.faults.inject(Fault(kind="server_error", status=503))
    assert (await client.get("/bot123456:TEST/getMe")).json()["description"] == "Service Unavailable"


async def test_timeout_waits_client_read_timeout(emu: Emulator, ann, autojump_clock) -> None:
    emu.faults.inject(Fault(method="sendMessage", kind="timeout"))
    async with httpx.AsyncClient(transport=emu.transport(), base_url="http://e", timeout=10) as client:
        start = trio.current_time()
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/bot123456:TEST/sendMessage", json={"chat_id": 1001, "text": "x"})
        assert trio.current_time() - start == 10
    assert ann.bot_messages() == []


async def test_drop_after_execution_still_delivers(emu: Emulator, client, ann) -> None:
    emu.faults.inject(Fault(method="sendMessage", kind="drop", after=True))
    with pytest.raises(httpx.RemoteProtocolError, match="Server disconnected without sending a response."):
        await client.post("/bot123456:TEST/sendMessage", json={"chat_id": 1001, "text": "x"})
    assert [m["text"] for m in ann.bot_messages()] == ["x"]  # done, but the client never heard


async def test_bad_request_answers_telegrams_exact_refusal(emu: Emulator, client, api, ann) -> None:
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    await api.ok("sendMessage", chat_id=1001, text="x", reply_markup=markup)
    query_id = await ann.press("Go")
    emu.faults.inject(Fault(method="answerCallbackQuery", kind="bad_request"))
    r = await client.post("/bot123456:TEST/answerCallbackQuery", json={"callback_query_id": query_id})
    assert (r.status_code, r.json()) == (400, {
        "ok": False, "error_code": 400,
        "description": "Bad Request: query is too old and response timeout expired or query ID is invalid",
    })
    assert ann.callback_answers == []  # refused, not done
    emu.faults.inject(Fault(method="sendMessage", kind="bad_request", detail="chat not found"))
    r = await client.post("/bot123456:TEST/sendMessage", json={"chat_id": 1001, "text": "x"})
    assert r.json()["description"] == "Bad Request: chat not found" and len(ann.bot_messages()) == 1


def test_bad_fault_kind() -> None:
    with pytest.raises(ValueError):
        Fault(kind="explode")


async def test_the_flood_limit_answers_429_beyond_the_bulk_rate_but_not_paid_broadcasts(autojump_clock: trio.abc.Clock) -> None:
    emu = Emulator(flood_limit=3)
    emu.create_bot(token="1:T")
    for user_id in (1, 2, 3, 4, 5):
        emu.user(user_id)
        emu.chat(emu.bot(), user_id).started = True
    codes = [(await emu.call_api("1:T", "sendMessage", {"chat_id": user_id, "text": "x"})).status for user_id in (1, 2, 3, 4)]
    assert codes == [200, 200, 200, 429] and emu.floods == 1
    paid = await emu.call_api("1:T", "sendMessage", {"chat_id": 5, "text": "x", "allow_paid_broadcast": True})
    assert paid.status == 200
    await trio.sleep(1.0)
    assert (await emu.call_api("1:T", "sendMessage", {"chat_id": 4, "text": "x"})).status == 200
