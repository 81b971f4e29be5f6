"""The sandbox's chat page through its routes: the whole shop in process with the emulator (and the
CryptoPay twin), its web app served on loopback, driven with httpx as the page's script drives it.
Only the sandbox has the page; what the bot writes is drawn escaped; sending, pressing and paying
reach the bot; other sites are refused; the stream tells the bot's answers as they come."""

import itertools
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import trio
from markupsafe import escape

from telegram.cryptopay.twin import CryptoPayTwin
from telegram.emulator import EmulatedUser
from tests.support.chat import labels
from tests.support.shop import TOKEN, open_shop
from tests.support.store import add_goods
from webui import WebSettings
from webui.sandbox.routes import page_hosts

EVIL = "<script>alert(1)</script> & Co"


async def page(client: httpx.AsyncClient, user_id: int = 1001) -> str:
    answer = await client.get(f"/sandbox/{user_id}")
    assert answer.status_code == 200
    return answer.text


def message_id_with(html: str, label: str) -> int:
    """The id of the newest message in the page that has a button labelled `label` (as the page escapes it)."""
    drawn = f'"{escape(label)}"'
    found = [m for m in re.finditer(r'<li class="message[^"]*" id="m-(\d+)".*?</li>', html, re.DOTALL) if drawn in m.group(0)]
    assert found, f"no {label!r} button in the page"
    return int(found[-1].group(1))


async def press(client: httpx.AsyncClient, label: str, user_id: int = 1001) -> httpx.Response:
    message_id = message_id_with(await page(client, user_id), label)
    return await client.post(f"/sandbox/{user_id}/press", json={"message_id": message_id, "label": label})


async def walk(client: httpx.AsyncClient, user: EmulatedUser, *steps: str) -> None:
    """Press each button in turn, waiting for the one after it to be shown (the screens edit in place)."""
    for label, following in itertools.pairwise(steps):
        await press(client, label, user.id)
        await user.wait_for(lambda m, following=following: following in labels(m))


async def test_a_shop_without_the_sandbox_has_no_sandbox_page(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop, httpx.AsyncClient(base_url=shop.running.web_binds[0]) as client:
        for path in ("/sandbox", "/sandbox/1001", "/sandbox/1001/events", "/sandbox/files/anything"):
            assert (await client.get(path)).status_code == 404, path
        for action in ("send", "press", "pay", "cryptopay"):
            assert (await client.post(f"/sandbox/1001/{action}", json={"text": "/start"})).status_code == 404
        assert shop.emu.known_user(1001) is None  # nobody wrote to the bot


async def test_sending_and_pressing_draw_the_bot_s_screens_with_every_name_escaped(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, sandbox_page=True) as shop, httpx.AsyncClient(base_url=shop.running.web_binds[0]) as client:
        await add_goods(shop.store, EVIL, units=2)
        assert (await client.get("/sandbox")).headers["location"] == "/sandbox/1001"
        assert (await client.get("/sandbox/42")).status_code == 404  # not one of the page's people
        empty = await page(client)
        assert "No messages yet" in empty and ">Ann <" not in empty.split("<main>")[0]  # no nav bar: nobody signed in

        assert (await client.post("/sandbox/1001/send", json={"text": "/start"})).json() == {"ok": True}
        ann = shop.emu.user(1001)
        await ann.wait_for_text("Welcome")
        html = await page(client)
        assert '<button type="button" class="command" data-send>/start</button>' in html  # the buyer's own command
        assert "Welcome to <strong>" in html and 'data-press="🛍 Shop"' in html

        assert (await press(client, "🛍 Shop")).json() == {"ok": True}
        await ann.wait_for_text("Choose a category")
        assert (await press(client, "Goods (1)")).status_code == 200
        await ann.wait_for(
            lambda m: any(EVIL in b["text"] for row in m.get("reply_markup", {}).get("inline_keyboard", []) for b in row)
        )
        listed = await page(client)
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co · 10.00 USD" in listed and "<script>alert" not in listed

        await press(client, f"{EVIL} · 10.00 USD")
        card = await ann.wait_for_text("In stock: 2 units")
        html = await page(client)
        assert "<strong>&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co</strong>" in html and "<script>alert" not in html
        # A button the bot has since taken away: refused, nothing sent.
        stale = await client.post("/sandbox/1001/press", json={"message_id": card["message_id"], "label": "🛍 Shop"})
        assert stale.status_code == 409 and "gone" in stale.json()["error"]
        assert (await client.post("/sandbox/1001/send", json={"text": " "})).status_code == 409


async def test_other_sites_cannot_drive_the_page(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, sandbox_page=True) as shop, httpx.AsyncClient(base_url=shop.running.web_binds[0]) as client:
        web = shop.running.web_binds[0]
        refused = [
            await client.post("/sandbox/1001/send", json={"text": "/start"}, headers={"Origin": "http://evil.example"}),
            await client.post("/sandbox/1001/send", json={"text": "/start"}, headers={"Sec-Fetch-Site": "cross-site"}),
            await client.post("/sandbox/1001/send", json={"text": "/start"}, headers={"Sec-Fetch-Site": "same-site"}),
        ]
        assert [answer.status_code for answer in refused] == [403, 403, 403]
        # A name that leads here but is not the sandbox's (DNS rebinding): same-origin to a browser, refused.
        port = web.rsplit(":", 1)[1]
        for path in ("/sandbox/1001", "/sandbox/1001/events"):
            assert (await client.get(path, headers={"Host": f"rebound.example:{port}"})).status_code == 403
        rebound = {"Host": f"rebound.example:{port}", "Origin": f"http://rebound.example:{port}"}
        assert (await client.post("/sandbox/1001/send", json={"text": "/start"}, headers=rebound)).status_code == 403
        assert (await client.get("/sandbox/1001", headers={"Host": f"localhost:{port}"})).status_code == 200
        # A form (which another site could make a browser send without asking) is not taken.
        assert (await client.post("/sandbox/1001/send", data={"text": "/start"})).status_code == 415
        assert "No messages yet" in await page(client)
        allowed = await client.post(
            "/sandbox/1001/send", json={"text": "/start"}, headers={"Origin": web, "Sec-Fetch-Site": "same-origin"}
        )
        assert allowed.status_code == 200
        await shop.emu.user(1001).wait_for_text("Welcome")
        answer = await client.get("/sandbox/1001")
        assert "script-src 'self'" in answer.headers["content-security-policy"]


async def events(response: httpx.Response) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    name = ""
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            yield name, json.loads(line.removeprefix("data: "))


async def test_the_stream_tells_each_change_as_it_happens(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, sandbox_page=True) as shop, httpx.AsyncClient(base_url=shop.running.web_binds[0]) as client:
        await add_goods(shop.store, "Quest", units=1)
        async with client.stream("GET", "/sandbox/1002/events") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            told = events(stream)
            with trio.fail_after(10):
                assert await anext(told) == ("state", {"ids": [], "keyboard": [], "stars": 10000})
                await client.post("/sandbox/1002/send", json={"text": "/start"})
                name, sent = await anext(told)
                assert name == "message" and sent["id"] == 1 and "/start" in sent["html"]
                while not (name == "message" and "Welcome" in sent["html"]):
                    name, sent = await anext(told)
                welcome = sent["id"]
                await client.post("/sandbox/1002/press", json={"message_id": welcome, "label": "🛍 Shop"})
                # The bot edits its screen in place: the same message, drawn anew.
                while not (name == "message" and "Choose a category" in sent["html"]):
                    name, sent = await anext(told)
                assert sent["id"] == welcome and "edited" in sent["html"]


async def test_invoices_are_paid_from_the_page_with_stars_and_through_the_cryptopay_twin(sqlite_url: str) -> None:
    twin = CryptoPayTwin("1:twin-token")
    async with (
        open_shop(sqlite_url, cryptopay=twin, sandbox_page=True) as shop,
        httpx.AsyncClient(base_url=shop.running.web_binds[0]) as client,
    ):
        twin.webhook_url = f"{shop.running.web_binds[0]}/cryptopay/webhook"
        cleo = shop.emu.user(1003)
        await client.post("/sandbox/1003/send", json={"text": "/start"})
        await cleo.wait_for_text("Welcome")
        await walk(client, cleo, "👤 Profile", "💳 Top up", "10.00 USD", "⭐ Telegram Stars (500 ⭐)")
        await press(client, "⭐ Telegram Stars (500 ⭐)", 1003)
        invoice = await cleo.wait_for(lambda m: "invoice" in m)
        html = await page(client, 1003)
        assert '<button type="button" data-pay>Pay 500 ⭐</button>' in html
        paid = await client.post("/sandbox/1003/pay", json={"message_id": invoice["message_id"]})
        assert paid.json() == {"ok": True, "told": ""}
        await cleo.wait_for_text("Payment received")
        html = await page(client, 1003)
        assert '500 ⭐ · <span class="good">paid</span>' in html and "Paid 500 ⭐" in html and 'id="stars">9500<' in html
        again = await client.post("/sandbox/1003/pay", json={"message_id": invoice["message_id"]})
        assert again.status_code == 409 and "already paid" in again.json()["error"]

        await client.post("/sandbox/1003/send", json={"text": "/start"})
        await cleo.wait_for(lambda m: "Welcome" in m.get("text", "") and m["message_id"] > invoice["message_id"])
        await walk(client, cleo, "👤 Profile", "💳 Top up", "10.00 USD", "🪙 Crypto via CryptoPay (10.00 USD)")
        await press(client, "🪙 Crypto via CryptoPay (10.00 USD)", 1003)
        await cleo.wait_for_text("with crypto")
        url = re.search(r'data-crypto="([^"]+)"', await page(client, 1003))
        assert url is not None
        assert (await client.post("/sandbox/1003/cryptopay", json={"url": url.group(1)})).json() == {"ok": True}
        await cleo.wait_for_text("Payment received: 10.00 USD added to your balance")
        assert "(paid)</button>" in await page(client, 1003)
        spent = await client.post("/sandbox/1003/cryptopay", json={"url": url.group(1)})
        assert spent.status_code == 409


async def test_photos_and_documents_come_from_the_emulator_s_stored_files(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, sandbox_page=True) as shop, httpx.AsyncClient(base_url=shop.running.web_binds[0]) as client:
        ann = shop.emu.user(1001, "Ann")
        await client.post("/sandbox/1001/send", json={"text": "/start"})
        await ann.wait_for_text("Welcome")
        picture = b"\xff\xd8\xff\xe0 a picture"
        sent_photo = await ann.send_photo(picture)
        sent_document = await ann.send_document("notes.html", b"<script>alert(1)</script>")
        html = await page(client)
        photo_url = f"/sandbox/files/{sent_photo['photo'][-1]['file_id']}"
        document_url = f"/sandbox/files/{sent_document['document']['file_id']}"
        assert f'<img class="photo" src="{photo_url}"' in html and f'href="{document_url}" download>notes.html</a>' in html
        photo = await client.get(photo_url)
        assert photo.status_code == 200 and photo.content == picture and photo.headers["content-type"] == "image/jpeg"
        document = await client.get(document_url)
        assert document.content == b"<script>alert(1)</script>"
        assert document.headers["content-type"] == "application/octet-stream"
        assert document.headers["content-disposition"] == 'attachment; filename="notes.html"'
        assert document.headers["x-content-type-options"] == "nosniff"
        assert (await client.get("/sandbox/files/no-such-file")).status_code == 404


async def next_event(told: AsyncIterator[tuple[str, dict[str, Any]]], wanted: str, holds: Any) -> dict[str, Any]:
    """The next `wanted` event whose data `holds`."""
    while True:
        name, data = await anext(told)
        if name == wanted and holds(data):
            return data


async def test_reply_keyboards_deletions_and_the_bot_s_alerts_reach_the_open_page(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, sandbox_page=True) as shop, httpx.AsyncClient(base_url=shop.running.web_binds[0]) as client:
        await add_goods(shop.store, "Quest", units=1)
        ben = shop.emu.user(1002, "Ben")
        await client.post("/sandbox/1002/send", json={"text": "/start"})
        welcome = await ben.wait_for_text("Welcome")
        async with client.stream("GET", "/sandbox/1002/events") as stream:
            told = events(stream)
            with trio.fail_after(10):
                await next_event(told, "state", lambda state: state["ids"] == [1, welcome["message_id"]])
                # What the Bot API lets a bot do, the page draws: a reply keyboard under the text box...
                keyboard = {"keyboard": [[{"text": "Yes"}, {"text": "No <maybe>"}]], "resize_keyboard": True}
                asked = await shop.emu.call_api(
                    TOKEN, "sendMessage", {"chat_id": 1002, "text": "Sure?", "reply_markup": keyboard}
                )
                await next_event(told, "state", lambda state: state["keyboard"] == [["Yes", "No <maybe>"]])
                assert "data-key>No &lt;maybe&gt;</button>" in await page(client, 1002)
                # ...and a message deleted goes from the page.
                asked_id = asked.body["result"]["message_id"]
                await shop.emu.call_api(TOKEN, "deleteMessage", {"chat_id": 1002, "message_id": asked_id})
                await next_event(told, "state", lambda state: asked_id not in state["ids"])
                assert f'id="m-{asked_id}"' not in await page(client, 1002)
                # A button's answer (an alert: the order costs more than the balance) is a toast.
                for label in ("🛍 Shop", "Goods (1)", "Quest · 10.00 USD", "Buy", "✅ Confirm"):
                    if label != "🛍 Shop":  # (the welcome, sent before the stream opened, has it)
                        await next_event(told, "message", lambda sent, label=label: f'data-press="{label}"' in sent["html"])
                    await client.post("/sandbox/1002/press", json={"message_id": welcome["message_id"], "label": label})
                alert = await next_event(told, "toast", lambda _: True)
                assert alert["text"].startswith("Not enough balance: it costs 10.00 USD, you have 0.00 USD.")


def test_the_page_answers_at_the_sandbox_s_own_names() -> None:
    assert page_hosts(WebSettings()) == {"localhost", "127.0.0.1", "::1"}
    assert page_hosts(WebSettings(host="192.168.1.5", public_url="https://Shop.example/")) == {
        "localhost",
        "127.0.0.1",
        "::1",
        "192.168.1.5",
        "shop.example",
    }
    assert page_hosts(WebSettings(host="0.0.0.0")) is None  # listening everywhere: any name
