"""The same emulator over real loopback HTTP (hypercorn), including the /_emulator test API."""

import httpx
import pytest
import trio

from telegram.emulator import Emulator, serve_emulator


@pytest.fixture
async def http(nursery):
    emu = Emulator()
    port = await nursery.start(serve_emulator, emu, "127.0.0.1", 0)
    assert port > 0
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
        yield emu, client


async def test_bot_api_and_test_api_over_loopback(http) -> None:
    emu, c = http
    assert (await c.post("/_emulator/bots", json={"token": "42:ABC", "username": "shop_bot"})).json()["id"] == 42
    # This test is the bot (its getUpdates below): send and press must not wait for its answer.
    sent = (await c.post("/_emulator/users/1001/send", json={"text": "/start", "first_name": "Ann", "wait": 0})).json()
    assert sent["text"] == "/start" and sent["chat"]["id"] == 1001
    updates = (await c.get("/bot42:ABC/getUpdates", params={"timeout": 1})).json()["result"]
    assert updates[0]["message"]["from"]["first_name"] == "Ann"
    r = await c.post("/bot42:ABC/sendMessage", data={
        "chat_id": "1001", "text": "<b>Menu</b>", "parse_mode": "HTML",
        "reply_markup": '{"inline_keyboard": [[{"text": "Buy", "callback_data": "buy"}]]}'})
    assert r.json()["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 4}]
    r = await c.post("/_emulator/users/1001/press", json={"label": "Nope"})
    assert r.status_code == 404 and r.json()["available"] == ["Buy"]
    qid = (await c.post("/_emulator/users/1001/press", json={"label": "Buy", "wait": 0})).json()["callback_query_id"]
    offset = updates[-1]["update_id"] + 1
    (upd,) = (await c.get("/bot42:ABC/getUpdates", params={"offset": offset})).json()["result"]
    assert upd["callback_query"]["id"] == qid
    transcript = (await c.get("/_emulator/chats/1001/transcript")).json()
    assert [m["text"] for m in transcript] == ["/start", "Menu"]
    await c.post("/_emulator/users/1001/block")
    r = await c.post("/bot42:ABC/sendMessage", json={"chat_id": 1001, "text": "x"})
    assert (r.status_code, r.json()["description"]) == (403, "Forbidden: bot was blocked by the user")
    r = await c.post("/bot42:ABC/sendDocument", data={"chat_id": "1001"}, files={"document": ("a.txt", b"hi")})
    assert r.status_code == 403
    calls = (await c.get("/_emulator/calls")).json()
    assert [x["method"] for x in calls][-2:] == ["sendMessage", "sendDocument"]
    assert calls[-1]["params"]["document"] == {"filename": "a.txt", "size": 2}
    deliveries = (await c.get("/_emulator/deliveries")).json()
    assert deliveries == {"pending": 1, "delivered": {"1": 1, "2": 1}}


async def test_faults_over_loopback(http) -> None:
    emu, c = http
    emu.create_bot(token="42:ABC")
    await c.post("/_emulator/faults", json={"method": "getMe", "kind": "retry_after", "retry_after": 2})
    r = await c.get("/bot42:ABC/getMe")
    assert (r.status_code, r.headers["retry-after"], r.json()["parameters"]) == (429, "2", {"retry_after": 2})
    await c.post("/_emulator/faults", json={"kind": "server_error", "status": 500})
    assert (await c.get("/bot42:ABC/getMe")).json()["description"] == "Internal Server Error"
    await c.post("/_emulator/faults", json={"kind": "drop"})
    with pytest.raises(httpx.RemoteProtocolError):
        await c.get("/bot42:ABC/getMe")
    await c.post("/_emulator/faults", json={"kind": "timeout"})
    with pytest.raises(httpx.ReadTimeout):
        await c.get("/bot42:ABC/getMe", timeout=0.3)
    assert (await c.get("/bot42:ABC/getMe")).status_code == 200


async def test_long_poll_conflict_over_loopback(http) -> None:
    emu, c = http
    emu.create_bot(token="42:ABC")
    answers = {}

    async def poll(name: str) -> None:
        r = await c.get("/bot42:ABC/getUpdates", params={"timeout": 2})
        answers[name] = r.status_code

    async with trio.open_nursery() as nursery:
        nursery.start_soon(poll, "old")
        await trio.sleep(0.2)
        nursery.start_soon(poll, "new")
        await trio.sleep(0.2)
        await emu.user(5, first_name="Eve").send_text("hi")
    assert answers == {"old": 409, "new": 200}
