"""Sending, editing, deleting: each exact error text of the official server."""

import json

import pytest

from telegram.emulator import Emulator

KEYBOARD = {"inline_keyboard": [[{"text": "Buy", "callback_data": "buy:1"}]]}
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


async def test_envelope_errors(emu: Emulator, client, api) -> None:
    r = await client.get("/bot999:NOPE/getMe")
    assert (r.status_code, r.json()) == (
        401, {"ok": False, "error_code": 401, "description": "Unauthorized: invalid token specified"})
    assert await api.error("fooBar") == (404, "Not Found: method not found")
    me = await api.ok("GETME")  # method names are case-insensitive
    assert (me["id"], me["username"], me["is_bot"]) == (123456, "shop_bot", True)


async def test_send_message_form_encoded(emu: Emulator, client, ann) -> None:
    r = await client.post("/bot123456:TEST/sendMessage",
                          data={"chat_id": "1001", "text": "hi", "reply_markup": json.dumps(KEYBOARD)})
    msg = r.json()["result"]
    assert msg["message_id"] == 2 and msg["chat"]["id"] == 1001 and msg["reply_markup"] == KEYBOARD
    assert msg["from"]["id"] == 123456 and isinstance(msg["date"], int)
    r = await client.get("/bot123456:TEST/sendMessage", params={"chat_id": 1001, "text": "q"})
    assert r.json()["result"]["message_id"] == 3
    assert [m["text"] for m in ann.bot_messages()] == ["hi", "q"]


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("", "Bad Request: message text is empty"),
        ("<b></b>", "Bad Request: message text is empty"),
        ("x" * 4097, "Bad Request: message is too long"),
        ("<b>x" + "y" * 4095 + "</b>", None),  # 4096 characters after parsing: fine
        # Telegram counts UTF-16 code units: an emoji outside the Basic Multilingual Plane counts twice.
        ("😀" * 2048, None),
        ("😀" * 2048 + "x", "Bad Request: message is too long"),
        ("<b>" + "😀" * 2047 + "</b>&lt;&amp;", None),  # tags are not counted, an entity is one unit
        ("<b>" + "😀" * 2047 + "</b>&lt;&amp;x", "Bad Request: message is too long"),
        ("<foo>x</foo>", 'Bad Request: can\'t parse entities: Unsupported start tag "foo" at byte offset 0'),
        ("<b>x", 'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"'),
        ("é<b>x</i>", "Bad Request: can't parse entities: Unmatched end tag at byte offset 6, "
                      'expected "</b>", found "</i>"'),
    ],
)
async def test_text_validation(api, ann, text: str, description: str | None) -> None:
    status, body = await api("sendMessage", chat_id=1001, text=text, parse_mode="HTML")
    if description is None:
        assert status == 200, body
    else:
        assert (status, body["description"]) == (400, description)


async def test_html_entities(api, ann) -> None:
    msg = await api.ok(
        "sendMessage", chat_id=1001, parse_mode="HTML",
        text='😀 <b>bold <i>both</i></b> &lt;tag&gt; &amp; &quot;q&quot; &#65;<a href="https://t.me/x?a=1&amp;b=2">link</a>'
             '<span class="tg-spoiler">s</span><pre><code class="language-python">x = 1</code></pre>',
    )
    assert msg["text"] == '😀 bold both <tag> & "q" Alinksx = 1'
    # Offsets are UTF-16 code units: the emoji counts twice.
    assert msg["entities"] == [
        {"type": "bold", "offset": 3, "length": 9},
        {"type": "italic", "offset": 8, "length": 4},
        {"type": "text_link", "offset": 26, "length": 4, "url": "https://t.me/x?a=1&b=2"},
        {"type": "spoiler", "offset": 30, "length": 1},
        {"type": "pre", "offset": 31, "length": 5, "language": "python"},
    ]


@pytest.mark.parametrize(
    ("button", "ok"),
    [
        ({"text": "a", "callback_data": "x" * 64}, True),
        ({"text": "a", "callback_data": "x" * 65}, False),
        ({"text": "a", "callback_data": "é" * 32}, True),  # 64 bytes
        ({"text": "a", "callback_data": "é" * 32 + "x"}, False),  # 33 characters, 65 bytes
        ({"text": "a", "callback_data": ""}, False),
    ],
)
async def test_callback_data_counts_bytes(api, ann, button: dict, ok: bool) -> None:
    status, body = await api("sendMessage", chat_id=1001, text="t", reply_markup={"inline_keyboard": [[button]]})
    if ok:
        assert status == 200, body
    else:
        assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")


async def test_button_needs_exactly_one_action(api, ann) -> None:
    status, body = await api("sendMessage", chat_id=1001, text="t",
                             reply_markup={"inline_keyboard": [[{"text": "a", "url": "https://x", "callback_data": "c"}]]})
    assert status == 400 and body["description"].startswith("Bad Request: can't parse inline keyboard button")


async def test_chat_not_found_blocked_and_unstarted(emu: Emulator, api, ann) -> None:
    assert await api.error("sendMessage", chat_id=4242, text="x") == (400, "Bad Request: chat not found")
    emu.user(2002, first_name="Bob")
    assert await api.error("sendMessage", chat_id=2002, text="x") == (
        403, "Forbidden: bot can't initiate conversation with a user")
    ann.block_bot()
    assert await api.error("sendMessage", chat_id=1001, text="x") == (403, "Forbidden: bot was blocked by the user")
    ann.unblock_bot()
    await api.ok("sendMessage", chat_id=1001, text="x")


async def test_edit_text_and_markup(api, ann) -> None:
    sent = await api.ok("sendMessage", chat_id=1001, text="v1", reply_markup=KEYBOARD)
    mid = sent["message_id"]
    assert await api.error("editMessageText", chat_id=1001, message_id=mid, text="v1", reply_markup=KEYBOARD) == (
        400, NOT_MODIFIED)
    edited = await api.ok("editMessageText", chat_id=1001, message_id=mid, text="<b>v2</b>", parse_mode="HTML",
                          reply_markup=KEYBOARD)
    assert edited["text"] == "v2" and edited["entities"][0]["type"] == "bold" and "edit_date" in edited
    # Without reply_markup the keyboard goes away, as on Telegram.
    edited = await api.ok("editMessageText", chat_id=1001, message_id=mid, text="v2")
    assert "reply_markup" not in edited and "entities" not in edited
    assert await api.error("editMessageReplyMarkup", chat_id=1001, message_id=mid) == (400, NOT_MODIFIED)
    edited = await api.ok("editMessageReplyMarkup", chat_id=1001, message_id=mid, reply_markup=KEYBOARD)
    assert edited["reply_markup"] == KEYBOARD
    assert ann.transcript()[-1]["text"] == "v2" and ann.transcript()[-1]["reply_markup"] == KEYBOARD
    assert await api.error("editMessageText", chat_id=1001, message_id=999, text="z") == (
        400, "Bad Request: message to edit not found")
    assert await api.error("editMessageReplyMarkup", chat_id=1001, message_id=999) == (
        400, "Bad Request: message to edit not found")
    assert await api.error("editMessageText", chat_id=77, message_id=mid, text="z") == (
        400, "Bad Request: chat not found")


async def test_link_preview_options_stay_with_the_message(api, ann) -> None:
    off = {"is_disabled": True}
    sent = await api.ok("sendMessage", chat_id=1001, text="key: https://example.com/redeem", link_preview_options=off)
    assert sent["link_preview_options"] == off and ann.bot_messages()[-1]["link_preview_options"] == off
    plain = await api.ok("sendMessage", chat_id=1001, text="https://example.com")
    assert "link_preview_options" not in plain
    # An edit sets them anew: without them, the message has the defaults again.
    edited = await api.ok("editMessageText", chat_id=1001, message_id=sent["message_id"], text="key: gone")
    assert "link_preview_options" not in edited
    assert await api.error("sendMessage", chat_id=1001, text="x", link_preview_options="[1") == (
        400, "Bad Request: can't parse link preview options JSON object")


async def test_delete(api, ann) -> None:
    mid = (await api.ok("sendMessage", chat_id=1001, text="bye"))["message_id"]
    assert await api.ok("deleteMessage", chat_id=1001, message_id=mid) is True
    assert await api.error("deleteMessage", chat_id=1001, message_id=mid) == (
        400, "Bad Request: message to delete not found")
    assert [m["text"] for m in ann.transcript()] == ["/start"]


async def test_send_document_multipart(emu: Emulator, client, ann) -> None:
    r = await client.post(
        "/bot123456:TEST/sendDocument",
        data={"chat_id": "1001", "caption": "<i>your key</i>", "parse_mode": "HTML"},
        files={"document": ("key.txt", b"AAAA-BBBB", "text/plain")},
    )
    msg = r.json()["result"]
    doc = msg["document"]
    assert (doc["file_name"], doc["file_size"], doc["mime_type"]) == ("key.txt", 9, "text/plain")
    assert msg["caption"] == "your key" and msg["caption_entities"] == [{"type": "italic", "offset": 0, "length": 8}]
    assert emu.files[doc["file_id"]].content == b"AAAA-BBBB"
    # A caption's 1024 are UTF-16 code units after parsing: 512 emoji fit, one more character does not.
    for caption, status in (("<b>" + "😀" * 512 + "</b>", 200), ("😀" * 512 + "x", 400)):
        sent = await client.post("/bot123456:TEST/sendDocument", json={"chat_id": 1001, "document": doc["file_id"],
                                                                        "caption": caption, "parse_mode": "HTML"})
        assert sent.status_code == status, sent.json()
    # Re-sending by file_id reuses the stored file.
    again = (await client.post("/bot123456:TEST/sendDocument",
                               json={"chat_id": 1001, "document": doc["file_id"]})).json()["result"]
    assert again["document"]["file_id"] == doc["file_id"]
    bad = (await client.post("/bot123456:TEST/sendDocument", json={"chat_id": 1001, "document": "nope"})).json()
    assert bad["description"] == "Bad Request: wrong file identifier/HTTP URL specified"
    assert ann.bot_messages()[0]["document"]["file_name"] == "key.txt"


async def test_commands(api) -> None:
    cmds = [{"command": "start", "description": "Start"}]
    assert await api.ok("setMyCommands", commands=cmds) is True
    assert await api.ok("getMyCommands") == cmds
    assert await api.ok("getMyCommands", language_code="de") == []
    assert await api.error("setMyCommands", commands=[{"command": "Bad-One", "description": "x"}]) == (
        400, "Bad Request: BOT_COMMAND_INVALID")


async def test_a_whole_chat_viewer_wakes_on_either_side_and_wait_for_on_the_bot_only(emu: Emulator, api, ann) -> None:
    """touched() (the sandbox's browser page) wakes on the user's messages too; changed() (wait_for,
    the test API's wait for the bot's answer) only on the bot's."""
    chat = emu.chat(emu.bot(), ann.id)
    touched, changed, revision = chat.touched(), chat.changed(), chat.revision
    await ann.send_text("hello")
    assert touched.is_set() and not changed.is_set() and chat.revision == revision + 1
    touched = chat.touched()
    sent = await api.ok("sendMessage", chat_id=ann.id, text="hi")
    assert touched.is_set() and changed.is_set()
    touched = chat.touched()
    await api.ok("editMessageText", chat_id=ann.id, message_id=sent["message_id"], text="hi again")
    assert touched.is_set()
    touched = chat.touched()
    await api.ok("deleteMessage", chat_id=ann.id, message_id=sent["message_id"])
    assert touched.is_set() and chat.revision == revision + 4
