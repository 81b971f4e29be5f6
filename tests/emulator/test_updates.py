"""getUpdates: offsets, limits, long poll in virtual time, 409 conflicts, allowed_updates."""

import trio

from telegram.emulator import Emulator

CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"


async def test_offset_confirms_and_forgets(emu: Emulator, api, ann) -> None:
    await ann.send_text("hello")
    updates = await api.ok("getUpdates")
    assert [u["update_id"] for u in updates] == [1, 2]
    assert updates[0]["message"]["text"] == "/start"
    assert updates[0]["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert updates[1]["message"]["from"]["language_code"] == "en"
    # Not confirmed yet: the same updates come again.
    assert [u["update_id"] for u in await api.ok("getUpdates")] == [1, 2]
    assert [u["update_id"] for u in await api.ok("getUpdates", offset=2)] == [2]
    assert await api.ok("getUpdates", offset=3) == []
    assert await api.ok("getUpdates", offset=1) == []  # forgotten for good
    assert emu.pending_updates() == 0


async def test_limit_and_negative_offset(emu: Emulator, api, ann) -> None:
    for i in range(4):
        await ann.send_text(f"m{i}")
    assert [u["update_id"] for u in await api.ok("getUpdates", limit=2)] == [1, 2]
    assert len(await api.ok("getUpdates", limit=0)) == 5  # clamped to 1..100, as the server does
    assert [u["update_id"] for u in await api.ok("getUpdates", offset=-2)] == [4, 5]
    assert [u["update_id"] for u in await api.ok("getUpdates")] == [4, 5]  # older ones forgotten


async def test_long_poll_returns_when_update_arrives(emu: Emulator, api, ann, autojump_clock) -> None:
    await api.ok("getUpdates", offset=2)
    result = {}

    async def poll() -> None:
        result["updates"] = await api.ok("getUpdates", offset=2, timeout=30)
        result["at"] = trio.current_time()

    start = trio.current_time()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(poll)
        await trio.sleep(7)
        await ann.send_text("late")
    assert [u["message"]["text"] for u in result["updates"]] == ["late"]
    assert result["at"] - start == 7


async def test_long_poll_timeout_is_clamped_to_50s(emu: Emulator, api, autojump_clock) -> None:
    start = trio.current_time()
    assert await api.ok("getUpdates", timeout=500) == []
    assert trio.current_time() - start == 50


async def test_second_poller_terminates_the_older_with_409(emu: Emulator, api, autojump_clock) -> None:
    answers = {}

    async def poll(name: str) -> None:
        answers[name] = await api("getUpdates", timeout=30)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(poll, "old")
        await trio.sleep(1)
        nursery.start_soon(poll, "new")
    assert answers["old"] == (409, {"ok": False, "error_code": 409, "description": CONFLICT})
    assert answers["new"] == (200, {"ok": True, "result": []})


async def test_webhook_blocks_get_updates(emu: Emulator, api) -> None:
    assert await api.ok("setWebhook", url="https://example.com/hook") is True
    assert (await api.ok("getWebhookInfo"))["url"] == "https://example.com/hook"
    assert await api.error("getUpdates") == (
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    )
    assert await api.ok("deleteWebhook") is True
    assert await api.ok("getUpdates") == []


async def test_allowed_updates_persist(emu: Emulator, api, ann) -> None:
    await api.ok("getUpdates", offset=2, allowed_updates=["callback_query"])
    await ann.send_text("ignored")
    assert await api.ok("getUpdates") == []  # persisted from the previous call


async def test_each_update_delivered_once_before_confirmation(emu: Emulator, api, ann) -> None:
    offset = 0
    for i in range(5):
        await ann.send_text(f"m{i}")
        for u in await api.ok("getUpdates", offset=offset):
            offset = u["update_id"] + 1
    await api.ok("getUpdates", offset=offset)
    assert emu.updates_delivered() == {i: 1 for i in range(1, 7)}
    assert [m for _, m, _ in emu.calls] == ["getUpdates"] * 6
