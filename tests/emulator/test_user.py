"""The test-side user: presses, transcripts, wait_for, callback answers."""

import pytest
import trio

from telegram.emulator import ButtonNotFound, Emulator, EmulatorError

QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


def kb(*buttons: dict) -> dict:
    return {"inline_keyboard": [list(buttons)]}


async def test_press_newest_message_with_label(emu: Emulator, api, ann) -> None:
    first = await api.ok("sendMessage", chat_id=1001, text="a", reply_markup=kb({"text": "Buy", "callback_data": "buy:1"}))
    await api.ok("sendMessage", chat_id=1001, text="b", reply_markup=kb({"text": "Buy", "callback_data": "buy:2"}))
    await api.ok("sendMessage", chat_id=1001, text="c")
    await api.ok("getUpdates", offset=2)
    query_id = await ann.press("Buy")
    (update,) = await api.ok("getUpdates", offset=2)
    cq = update["callback_query"]
    assert (cq["id"], cq["data"], cq["message"]["text"], cq["from"]["id"]) == (query_id, "buy:2", "b", 1001)
    await ann.press("Buy", message_id=first["message_id"])
    (update,) = await api.ok("getUpdates", offset=update["update_id"] + 1)
    assert update["callback_query"]["data"] == "buy:1"


async def test_press_data_sends_any_data_on_a_bot_message(api, ann) -> None:
    first = await api.ok("sendMessage", chat_id=1001, text="a", reply_markup=kb({"text": "Buy", "callback_data": "buy:1"}))
    await api.ok("sendMessage", chat_id=1001, text="b")
    await api.ok("getUpdates", offset=2)
    query_id = await ann.press_data("forged:Ω")
    (update,) = await api.ok("getUpdates", offset=2)
    cq = update["callback_query"]
    assert (cq["id"], cq["data"], cq["message"]["text"]) == (query_id, "forged:Ω", "b")
    await ann.press_data("buy:999", message_id=first["message_id"])
    (update,) = await api.ok("getUpdates", offset=update["update_id"] + 1)
    assert (update["callback_query"]["data"], update["callback_query"]["message"]["text"]) == ("buy:999", "a")
    with pytest.raises(EmulatorError, match="1-64 bytes"):
        await ann.press_data("é" * 33)
    with pytest.raises(EmulatorError, match="no bot message"):
        await ann.press_data("x", message_id=1)  # the user's own /start


async def test_button_not_found_lists_labels(api, ann) -> None:
    await api.ok("sendMessage", chat_id=1001, text="menu", reply_markup=kb(
        {"text": "Catalog", "callback_data": "cat"}, {"text": "Site", "url": "https://example.com"}))
    with pytest.raises(ButtonNotFound) as err:
        await ann.press("Buy")
    assert err.value.label == "Buy" and err.value.available == ["Catalog"]
    with pytest.raises(ButtonNotFound, match="not a callback button"):
        await ann.press("Site")


async def test_answer_callback_query(emu: Emulator, api, ann, autojump_clock) -> None:
    await api.ok("sendMessage", chat_id=1001, text="m", reply_markup=kb({"text": "Go", "callback_data": "go"}))
    qid = await ann.press("Go")
    assert await api.ok("answerCallbackQuery", callback_query_id=qid, text="Done") is True
    assert ann.callback_answers == [{"callback_query_id": qid, "text": "Done", "show_alert": False}]
    assert await api.error("answerCallbackQuery", callback_query_id=qid) == (400, QUERY_TOO_OLD)
    assert await api.error("answerCallbackQuery", callback_query_id="123") == (400, QUERY_TOO_OLD)
    late = await ann.press("Go")
    await trio.sleep(emu.callback_answer_timeout + 1)
    assert await api.error("answerCallbackQuery", callback_query_id=late) == (400, QUERY_TOO_OLD)
    qid = await ann.press("Go")
    status, _ = await api("answerCallbackQuery", callback_query_id=qid, text="x" * 201)
    assert status == 400
    # 200 is counted in UTF-16 code units, like every Telegram text: 101 emoji are 202.
    status, body = await api("answerCallbackQuery", callback_query_id=qid, text="😀" * 101)
    assert (status, body["description"]) == (400, "Bad Request: MESSAGE_TOO_LONG")
    assert await api.ok("answerCallbackQuery", callback_query_id=qid, text="😀" * 100) is True


async def test_wait_for_sees_new_and_edited_messages(emu: Emulator, api, ann, autojump_clock) -> None:
    async def bot_side() -> None:
        await trio.sleep(1)
        sent = await api.ok("sendMessage", chat_id=1001, text="working…")
        await trio.sleep(1)
        await api.ok("editMessageText", chat_id=1001, message_id=sent["message_id"], text="done: 42")

    async with trio.open_nursery() as nursery:
        nursery.start_soon(bot_side)
        msg = await ann.wait_for_text("done")
    assert msg["text"] == "done: 42" and trio.current_time() == pytest.approx(2, abs=0.01)
    with pytest.raises(trio.TooSlowError):
        await ann.wait_for_text("never", timeout=3)
    assert [m["from"]["is_bot"] for m in ann.transcript()] == [False, True]


async def test_transcript_is_a_copy(api, ann) -> None:
    await api.ok("sendMessage", chat_id=1001, text="x")
    ann.transcript()[-1]["text"] = "tampered"
    assert ann.transcript()[-1]["text"] == "x"


async def test_two_bots_keep_separate_chats(emu: Emulator, api, ann) -> None:
    other = emu.create_bot(token="777:OTHER", username="other_bot")
    await ann.send_text("hi other", bot=other)
    assert await api.ok("getUpdates", offset=2) == []
    assert [m["text"] for m in ann.transcript(bot=other)] == ["hi other"]
    assert emu.pending_updates(other) == 1
