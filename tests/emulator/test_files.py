"""Files a user sends: the document or photo message, getFile and the download route, on both doors."""

import httpx

from telegram.emulator import EmulatedUser, Emulator, serve_emulator
from telegram.emulator.http import MAX_BODY

from .conftest import TOKEN, Api
from .test_spec import check

STOCK = b"KEY-AAAA\nKEY-BBBB\nKEY-CCCC\n"
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40 + b"\xff\xd9"
NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}
MB = 1024 * 1024


async def test_a_sent_document_is_downloaded_byte_for_byte(emu: Emulator, client: httpx.AsyncClient, api, ann) -> None:
    sent = await ann.send_document("stock.txt", STOCK, caption="new keys")
    (update,) = await api.ok("getUpdates", offset=2)
    message = update["message"]
    assert message["message_id"] == sent["message_id"] and message["from"]["id"] == 1001
    assert message["caption"] == "new keys"
    document = message["document"]
    assert (document["file_name"], document["mime_type"], document["file_size"]) == ("stock.txt", "text/plain", len(STOCK))

    file = await api.ok("getFile", file_id=document["file_id"])
    assert (file["file_id"], file["file_unique_id"]) == (document["file_id"], document["file_unique_id"])
    assert file["file_size"] == len(STOCK) and file["file_path"].startswith("documents/file_")
    assert file["file_path"].endswith(".txt")
    r = await client.get(f"/file/bot{TOKEN}/{file['file_path']}")
    assert (r.status_code, r.content, r.headers["content-type"]) == (200, STOCK, "text/plain")
    # The path stays the same when asked again.
    assert (await api.ok("getFile", file_id=document["file_id"]))["file_path"] == file["file_path"]


async def test_a_csv_without_a_type_gets_the_one_its_name_suggests(api, ann: EmulatedUser) -> None:
    sent = await ann.send_document("stock.csv", b"item,key\n1,K\n")
    assert sent["document"]["mime_type"] == "text/csv" and "caption" not in sent
    given = await ann.send_document("stock.dat", b"x", mime_type="application/x-stock")
    assert given["document"]["mime_type"] == "application/x-stock"
    file = await api.ok("getFile", file_id=sent["document"]["file_id"])
    assert file["file_path"].startswith("documents/file_") and file["file_path"].endswith(".csv")


async def test_a_photo_comes_in_growing_sizes_and_the_last_is_what_was_sent(
    emu: Emulator, client: httpx.AsyncClient, api, ann
) -> None:
    sent = await ann.send_photo(JPEG, caption="item 7")
    (update,) = await api.ok("getUpdates", offset=2)
    sizes = update["message"]["photo"]
    assert sizes == sent["photo"] and update["message"]["caption"] == "item 7"
    assert len(sizes) == 3 and len({s["file_id"] for s in sizes}) == 3
    assert [s["width"] for s in sizes] == sorted(s["width"] for s in sizes)
    assert [s["file_size"] for s in sizes] == sorted(s["file_size"] for s in sizes)
    assert sizes[-1]["file_size"] == len(JPEG) > sizes[0]["file_size"]

    file = await api.ok("getFile", file_id=sizes[-1]["file_id"])
    assert file["file_path"].startswith("photos/file_") and file["file_path"].endswith(".jpg")
    r = await client.get(f"/file/bot{TOKEN}/{file['file_path']}")
    assert (r.status_code, r.content, r.headers["content-type"]) == (200, JPEG, "image/jpeg")

    # The bot shows the user's photo back by its file_id, without uploading it.
    shown = await api.ok("sendPhoto", chat_id=1001, photo=sizes[-1]["file_id"], caption="Item 7")
    assert shown["photo"][-1]["file_id"] == sizes[-1]["file_id"] and shown["caption"] == "Item 7"


async def test_a_file_over_20_mb_cannot_be_fetched(emu: Emulator, api, ann: EmulatedUser) -> None:
    at_limit = await ann.send_document("at_limit.txt", b"x" * (20 * MB))
    assert (await api.ok("getFile", file_id=at_limit["document"]["file_id"]))["file_size"] == 20 * MB
    over = await ann.send_document("over.txt", b"x" * (20 * MB + 1))
    assert await api.error("getFile", file_id=over["document"]["file_id"]) == (400, "Bad Request: file is too big")
    assert await api.error("getFile", file_id="BQACnot-a-file") == (400, "Bad Request: invalid file_id")


async def test_download_needs_the_right_token_and_a_path_from_get_file(
    emu: Emulator, client: httpx.AsyncClient, api, ann
) -> None:
    document = (await ann.send_document("stock.txt", STOCK))["document"]
    path = (await api.ok("getFile", file_id=document["file_id"]))["file_path"]
    for url in (f"/file/bot999:WRONG/{path}", f"/file/bot{TOKEN}/documents/file_999.txt", f"/file/bot{TOKEN}/"):
        r = await client.get(url)
        assert (r.status_code, r.json()) == (404, NOT_FOUND), url
    # A file nobody called getFile for has no path yet.
    later = (await ann.send_document("later.txt", b"later"))["document"]
    next_path = f"documents/file_{int(path.removeprefix('documents/file_').removesuffix('.txt')) + 1}.txt"
    assert (await client.get(f"/file/bot{TOKEN}/{next_path}")).status_code == 404
    assert (await api.ok("getFile", file_id=later["file_id"]))["file_path"] == next_path


async def test_a_file_id_is_its_bots_own(emu: Emulator, client: httpx.AsyncClient, api, ann) -> None:
    uploaded = (await client.post(
        f"/bot{TOKEN}/sendDocument", data={"chat_id": "1001"}, files={"document": ("book.pdf", b"%PDF-1.7 book")}
    )).json()["result"]["document"]
    assert uploaded["file_name"] == "book.pdf" and uploaded["file_size"] == len(b"%PDF-1.7 book")
    # The bot that uploaded it sends it again by its file_id, uploading nothing: the same file.
    again = (await api.ok("sendDocument", chat_id=1001, document=uploaded["file_id"], caption="again"))["document"]
    assert (again["file_id"], again["file_unique_id"]) == (uploaded["file_id"], uploaded["file_unique_id"])
    sent = (await ann.send_document("stock.txt", STOCK))["document"]

    # Another bot knows neither the file it did not upload nor the one sent to the first bot.
    emu.create_bot(token="654321:OTHER", username="other_bot")
    await ann.send_text("/start", bot="other_bot")
    other = Api(client, "654321:OTHER")
    for file_id in (uploaded["file_id"], sent["file_id"]):
        assert await other.error("sendDocument", chat_id=1001, document=file_id) == (
            400, "Bad Request: wrong file identifier/HTTP URL specified")
        assert await other.error("getFile", file_id=file_id) == (400, "Bad Request: invalid file_id")
    assert [m["document"]["file_id"] for m in ann.bot_messages()] == [uploaded["file_id"]] * 2
    assert ann.bot_messages(bot="other_bot") == []


async def test_media_messages_follow_the_spec(spec, api, ann: EmulatedUser) -> None:
    await ann.send_document("stock.txt", STOCK, caption="keys")
    await ann.send_photo(JPEG)
    for update in await api.ok("getUpdates"):
        check(spec, update, "Update", "update")


async def test_download_over_loopback(nursery) -> None:
    emu = Emulator()
    emu.create_bot(token=TOKEN)
    ann = emu.user(1001, first_name="Ann")
    document = (await ann.send_document("stock.txt", STOCK))["document"]
    port = await nursery.start(serve_emulator, emu, "127.0.0.1", 0)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as c:
        path = (await c.post(f"/bot{TOKEN}/getFile", json={"file_id": document["file_id"]})).json()["result"]["file_path"]
        r = await c.get(f"/file/bot{TOKEN}/{path}")
        assert (r.status_code, r.content, r.headers["content-length"]) == (200, STOCK, str(len(STOCK)))
        r = await c.get(f"/file/bot999:WRONG/{path}")
        assert (r.status_code, r.json()) == (404, NOT_FOUND)


async def test_a_request_over_the_upload_limit_is_413_and_sends_nothing(
    emu: Emulator, client: httpx.AsyncClient, ann: EmulatedUser
) -> None:
    """The Bot API takes uploads of up to 50 MB: a larger request is answered as the Bot API server
    answers it, and no method runs."""
    before = (len(emu.calls), len(ann.transcript()))
    form = b"--b\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n1001\r\n--b\r\n"
    r = await client.post(f"/bot{TOKEN}/sendDocument", content=form + b"x" * MAX_BODY,
                          headers={"content-type": "multipart/form-data; boundary=b"})
    assert (r.status_code, r.json()) == (413, {"ok": False, "error_code": 413, "description": "Request Entity Too Large"})
    assert (len(emu.calls), len(ann.transcript())) == before
