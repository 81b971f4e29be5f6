"""Group chats: a person's or another bot's message in a group reaches the member bot as an update,
and the bot may write to the group; the same through the /_emulator test API."""

import httpx
import pytest

from telegram.emulator import Emulator, EmulatorError, serve_emulator


async def test_people_and_bots_write_in_a_group_and_the_bot_may_answer(emu: Emulator, api, ann) -> None:
    group = emu.group(-1001234567890, title="Buyers")
    other = emu.create_bot("777:other", "other_bot", "Other")
    await group.send_text(ann, "/start@shop_bot")
    await group.send_text(other, "hello")
    private, first, second = await api.ok("getUpdates")  # Ann's /start to the bot (the fixture's) first
    assert private["message"]["chat"]["type"] == "private"
    assert first["message"]["chat"] == {"id": -1001234567890, "type": "supergroup", "title": "Buyers"}
    assert first["message"]["from"]["id"] == ann.id and not first["message"]["from"]["is_bot"]
    assert first["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 15}]
    assert second["message"]["from"] == {"id": 777, "is_bot": True, "first_name": "Other", "username": "other_bot"}
    sent = await api.ok("sendMessage", chat_id=group.id, text="Hi all")
    assert sent["chat"]["type"] == "supergroup"
    assert [m["text"] for m in group.transcript()] == ["/start@shop_bot", "hello", "Hi all"]
    assert [m["text"] for m in ann.transcript()] == ["/start"], "nothing more reached Ann's private chat"
    assert emu.group(-1001234567890).id == group.id, "found again by its id"


async def test_a_group_has_a_negative_id_and_a_group_type(emu: Emulator) -> None:
    with pytest.raises(EmulatorError):
        emu.group(5)
    with pytest.raises(EmulatorError):
        emu.group(-5, type="channel")
    assert emu.group(-5, type="group").transcript() == []


async def test_groups_over_the_test_api(nursery) -> None:
    emu = Emulator()
    port = await nursery.start(serve_emulator, emu, "127.0.0.1", 0)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as c:
        await c.post("/_emulator/bots", json={"token": "42:ABC", "username": "shop_bot"})
        await c.post("/_emulator/bots", json={"token": "43:DEF", "username": "other_bot"})
        sent = (await c.post("/_emulator/groups/-100500/send", json={"text": "/start", "user": 1001, "first_name": "Ann",
                                                                       "type": "group", "title": "Friends"})).json()
        assert sent["chat"] == {"id": -100500, "type": "group", "title": "Friends"} and sent["from"]["first_name"] == "Ann"
        by_bot = (await c.post("/_emulator/groups/-100500/send", json={"text": "spam", "from_bot": "other_bot"})).json()
        assert by_bot["from"]["is_bot"] and by_bot["from"]["id"] == 43
        updates = (await c.get("/bot42:ABC/getUpdates")).json()["result"]
        assert [u["message"]["text"] for u in updates] == ["/start", "spam"]
        transcript = (await c.get("/_emulator/groups/-100500/transcript")).json()
        assert [m["text"] for m in transcript] == ["/start", "spam"]
