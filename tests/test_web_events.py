"""/events and /live through the app's routes (Quart's test client, a real store on SQLite and
PostgreSQL): the page needs a staff session and shows money only to those with `statistics`; the
stream sends each event written after it opened, resumes after Last-Event-ID, and reaches a page
served by another process on the same database."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
import trio
from quart import typing as quart_typing
from quart_trio import QuartTrio

from storage import (
    Delivered,
    PaymentEvent,
    PaymentRecord,
    PurchaseRequest,
    Settled,
    ShopEventKind,
    StorageSettings,
    Store,
    open_store,
)
from storage.feed_models import ShopEvent
from tests.support import web
from webui.event_access import KIND_NEEDS
from webui.live import LiveFeed
from webui.pages.events import PAGE_SIZE

type Connection = quart_typing.TestHTTPConnectionProtocol

OWNER = 1
ANN = 1001  # an admin with `stock` only
BEA = 1002  # an admin with `statistics`
CAL = 1003  # an admin with `payments`
BUYER = 2001


async def register(store: Store, user_id: int) -> None:
    await store.register_user(user_id, username=None, first_name=f"u{user_id}", language_code="en", owner_id=OWNER)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=database_url)) as opened:
        for user_id in (OWNER, ANN, BEA, CAL, BUYER):
            await register(opened, user_id)
        await opened.grant_admin(ANN, ["stock"], actor_id=OWNER)
        await opened.grant_admin(BEA, ["statistics"], actor_id=OWNER)
        await opened.grant_admin(CAL, ["payments"], actor_id=OWNER)
        yield opened


def app_for(store: Store, owner: int = OWNER) -> QuartTrio:
    return web.app_for(store, owner)


async def signed_in(store: Store, app: QuartTrio, user_id: int) -> quart_typing.TestClientProtocol:
    """A test client of `app` with `user_id` signed in."""
    return await web.signed_in(app, store, user_id, OWNER)


async def page(client: quart_typing.TestClientProtocol, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, await response.get_data(as_text=True)
    return str(await response.get_data(as_text=True))


async def a_sale(store: Store, key: str = "sale-1") -> str:
    """BUYER buys one "Key" for 6.00; the purchase's id."""
    if not await store.list_categories():
        await store.add_category("Keys")
        await store.add_item("Keys", "Key", Decimal("6.00"))
        await store.add_stock("Key", [f"KEY-SECRET-{n}" for n in range(5)])
        await store.credit_user(BUYER, Decimal("30.00"), kind="topup", reason="test")
    item = (await store.list_items((await store.list_categories())[0].id))[0]
    [result] = await store.buy([PurchaseRequest(key=key, user_id=BUYER, item_id=item.id)])
    assert isinstance(result, Delivered), result
    return result.purchase_id


async def test_events_need_a_staff_session(store: Store) -> None:
    assert (await app_for(store).test_client().get("/events")).status_code == 401
    client = await signed_in(store, app_for(store), ANN)
    assert (await client.get("/events")).status_code == 200
    # The owner's session once another owner is configured: a former owner holds no rights.
    owner_client = await signed_in(store, app_for(store), OWNER)
    other = app_for(store, owner=BEA).test_client()
    other.cookie_jar = owner_client.cookie_jar
    assert (await other.get("/events")).status_code == 403
    await store.revoke_admin(ANN, actor_id=OWNER)
    assert (await client.get("/events")).status_code == 401


async def a_payment(store: Store) -> None:
    """BUYER pays 5.00 in Stars."""
    order = await store.open_order(BUYER, "stars", Decimal("5.00"), currency="XTR", provider_amount=500, ttl=timedelta(hours=1))
    assert isinstance(order, PaymentRecord)
    paid = PaymentEvent(method="stars", order_id=order.id, external_id=f"charge-{order.id}", currency="XTR", provider_amount=500)
    assert isinstance(await store.settle_payment(paid), Settled)


def test_every_kind_needs_what_the_chat_needs() -> None:
    assert set(KIND_NEEDS) == set(ShopEventKind)
    assert KIND_NEEDS[ShopEventKind.STAFF] == KIND_NEEDS[ShopEventKind.SECURITY] == "owner"


async def test_events_newest_first_by_kind_with_money_for_statistics_only(store: Store) -> None:
    purchase = await a_sale(store)
    await a_payment(store)
    # `payments` without `statistics`: the payment, not its amount; no purchase, registration or audit row.
    cal = await page(await signed_in(store, app_for(store), CAL), "/events?kind=payment")
    assert f"user {BUYER} paid by stars" in cal and "5.00" not in cal
    assert f'href="/events?user={BUYER}"' in cal and 'kind=refund"' in cal  # the tab
    assert 'kind=purchase"' not in cal and 'kind=staff"' not in cal  # tabs not allowed
    everything_cal = await page(await signed_in(store, app_for(store), CAL), "/events")
    assert "paid by stars" in everything_cal and "bought" not in everything_cal and "joined" not in everything_cal
    assert "admin.grant" not in everything_cal and "web.sign_in" not in everything_cal
    bea = await page(await signed_in(store, app_for(store), BEA), "/events?kind=purchase")
    assert "6.00" in bea and f"purchase:{purchase}" in bea and "joined" not in bea  # another kind's rows
    owner = await signed_in(store, app_for(store), OWNER)
    everything = await page(owner, "/events")
    # Newest first: the sale, the stock added before it, the buyer's registration before that.
    assert everything.index("bought 1 × Key") < everything.index("stock.add") < everything.index(f"user {BUYER} joined")
    mine = await page(owner, f"/events?user={BUYER}")
    assert "bought 1 × Key" in mine and f"user {ANN} joined" not in mine
    bad = await owner.get("/events?kind=sales")
    assert bad.status_code == 400 and "kind" in await bad.get_data(as_text=True)
    assert (await owner.get("/events?before=x")).status_code == 400
    # Digits that are not ASCII ("²".isdigit() is true): a 400 naming the parameter, not a 500.
    for name in ("user", "before"):
        superscript = await owner.get(f"/events?{name}=%C2%B2")  # ²
        assert superscript.status_code == 400 and f"bad parameter {name}" in await superscript.get_data(as_text=True)


async def test_an_admin_is_refused_the_kinds_the_chat_would_not_show_them(store: Store) -> None:
    await a_sale(store)
    await a_payment(store)
    ann = await signed_in(store, app_for(store), ANN)
    for kind in ("staff", "security", "payment", "refund", "dispute", "purchase", "registration"):
        refused = await ann.get(f"/events?kind={kind}")
        assert refused.status_code == 403, kind
        assert "6.00" not in await refused.get_data(as_text=True)
    # `stock` alone: crashes only; no tab but those.
    shown = await page(ann, "/events")
    assert "admin.grant" not in shown and "joined" not in shown and "bought" not in shown and "paid by" not in shown
    assert 'kind=crash"' in shown and 'kind=staff"' not in shown and 'kind=security"' not in shown
    # The owner sees every kind, and the refusals, audited.
    owner = await signed_in(store, app_for(store), OWNER)
    security = await page(owner, "/events?kind=security")
    assert "web.events.staff" in security
    everything = await page(owner, "/events")
    assert all(f'kind={kind}"' in everything for kind in ShopEventKind)
    assert "bought 1 × Key" in everything and "paid by stars" in everything and "admin.grant" in everything


async def test_signed_in_pages_load_our_live_script(store: Store) -> None:
    client = await signed_in(store, app_for(store), ANN)
    shown = await page(client, "/events")
    assert '<script src="/static/live.js" defer></script>' in shown
    # The newest event id as the page was rendered: the stream starts there (/live?after=).
    assert f'<html lang="en" data-live-after="{await store.latest_shop_event_id()}">' in shown
    script = await client.get("/static/live.js")
    code = await script.get_data(as_text=True)
    assert script.status_code == 200 and '"/live?after=" + encodeURIComponent(after)' in code
    # The script knows no kind of event (they come as "message" events, their kind in their data), and
    # sends no header nothing reads.
    assert not any(f'"{kind}"' in code for kind in ("purchase", "staff", "dispute")) and "X-Live" not in code
    refused = await app_for(store).test_client().get("/events")
    assert "live.js" not in await refused.get_data(as_text=True)


async def test_events_page_by_keyset(store: Store) -> None:
    for user_id in range(3000, 3000 + PAGE_SIZE + 5):
        await register(store, user_id)
    client = await signed_in(store, app_for(store), OWNER)
    first = await page(client, "/events?kind=registration")
    assert f"user {3000 + PAGE_SIZE + 4} joined" in first and "user 3004 joined" not in first
    older = first.split('href="/events?before=', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    second = await page(client, f"/events?before={older}")
    assert "user 3004 joined" in second and f"user {3000 + PAGE_SIZE + 4} joined" not in second
    assert f"user {OWNER} joined" in second and "Older" not in second and 'id="live-events"' not in second


async def read_events(connection: Connection, count: int, kind: str | None = None) -> list[dict[str, str]]:
    """The next `count` events (of `kind`, when given) of an open stream, each as its fields (id, event:
    the kind of a shop event, or the event type, data)."""
    buffer = b""
    events: list[dict[str, str]] = []
    with trio.fail_after(10):
        while len([event for event in events if kind in (None, event["event"])]) < count:
            buffer += await connection.receive()
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                fields = dict(line.split(": ", 1) for line in block.decode().splitlines() if not line.startswith(":"))
                if "data" in fields and "event" not in fields:
                    # A shop event: the default event type, its kind in its data.
                    fields["event"] = json.loads(fields["data"])["kind"]
                if "event" in fields:
                    events.append(fields)
    return [event for event in events if kind in (None, event["event"])]


async def events_until(connection: Connection, kind: str) -> list[str]:
    """The kinds of the events of an open stream, up to the first of `kind`."""
    kinds: list[str] = []
    while kind not in kinds:
        kinds += [event["event"] for event in await read_events(connection, 1)]
    return kinds


@asynccontextmanager
async def streaming(client: quart_typing.TestClientProtocol, path: str = "/live", **headers: str) -> AsyncIterator[Connection]:
    """/live opened by `client`. Leaving it cancels the connection: Quart's test connection would
    otherwise wait, on leaving, for a body that an event stream never ends."""
    with trio.CancelScope() as scope:
        async with client.request(path, headers=headers) as connection:
            await connection.send_complete()
            yield connection
            scope.cancel()


async def test_live_needs_a_session(store: Store) -> None:
    app = app_for(store)
    async with app.test_app() as running:
        assert (await running.test_client().get("/live")).status_code == 401


async def test_live_refuses_a_last_event_id_that_is_not_a_number(store: Store) -> None:
    client = await signed_in(store, app_for(store), OWNER)
    for given in ("²", "x", "-1"):
        refused = await client.get("/live", headers={"Last-Event-ID": given})
        assert refused.status_code == 400 and "Last-Event-ID" in await refused.get_data(as_text=True)


async def test_live_streams_new_events_and_resumes_after_the_last_id(store: Store) -> None:
    app = app_for(store)
    async with app.test_app() as running:
        client = running.test_client()
        bea = await signed_in(store, app, BEA)
        client.cookie_jar = bea.cookie_jar
        async with streaming(client) as connection:
            await trio.sleep(0.2)
            purchase = await a_sale(store)
            [sold] = await read_events(connection, 1, "purchase")
            # quart-trio's connection has the headers its protocol does not declare.
            assert connection.headers["Content-Type"].startswith("text/event-stream")  # type: ignore[attr-defined]
        assert f'"subject":"purchase:{purchase}"' in sold["data"]
        seen = int(sold["id"])
        # Two sales while the browser was away: it reconnects with the last id it had, and gets them.
        missed = [await a_sale(store, "sale-2"), await a_sale(store, "sale-3")]
        async with streaming(client, **{"Last-Event-ID": str(seen)}) as connection:
            events = await read_events(connection, 2)
        assert [event["event"] for event in events] == ["purchase", "purchase"]
        assert [event["data"].split('"subject":"purchase:', 1)[1][:36] for event in events] == missed
        assert int(events[0]["id"]) > seen


async def test_live_starts_after_the_event_newest_when_the_page_was_rendered(store: Store) -> None:
    app = app_for(store)
    async with app.test_app() as running:
        client = running.test_client()
        client.cookie_jar = (await signed_in(store, app, OWNER)).cookie_jar
        shown = await page(client, "/events")
        after = int(shown.split('data-live-after="', 1)[1].split('"', 1)[0])
        # A sale between rendering the page and opening its stream: replayed, not lost.
        purchase = await a_sale(store)
        async with streaming(client, path=f"/live?after={after}") as connection:
            [sold] = await read_events(connection, 1, "purchase")
        assert f'"subject":"purchase:{purchase}"' in sold["data"] and int(sold["id"]) > after
        # Reconnecting, the browser's Last-Event-ID wins over the page's id.
        second = await a_sale(store, "sale-2")
        async with streaming(client, path=f"/live?after={after}", **{"Last-Event-ID": sold["id"]}) as connection:
            [again] = await read_events(connection, 1, "purchase")
        assert f'"subject":"purchase:{second}"' in again["data"]
        refused = await client.get("/live?after=%C2%B2")
        assert refused.status_code == 400 and "bad parameter after" in await refused.get_data(as_text=True)


async def test_an_event_committed_late_goes_out_without_moving_the_id_back(store: Store) -> None:
    app = app_for(store)
    base = await store.latest_shop_event_id()

    async def insert(event_id: int) -> None:
        await ShopEvent.create(id=event_id, kind=ShopEventKind.CRASH, summary=f"event {event_id}")

    async with app.test_app() as running:
        client = running.test_client()
        client.cookie_jar = (await signed_in(store, app, OWNER)).cookie_jar
        async with streaming(client) as connection:
            await trio.sleep(0.2)
            # base+10 commits first; base+5, whose id was taken earlier, after it.
            await store.cross(lambda: insert(base + 10))
            [first] = await read_events(connection, 1, "crash")
            await store.cross(lambda: insert(base + 5))
            [late] = await read_events(connection, 1, "crash")
    assert first["id"] == str(base + 10) and "id" not in late and f"event {base + 5}" in late["data"]


async def test_live_amounts_for_statistics(store: Store) -> None:
    app = app_for(store)
    async with app.test_app() as running:
        client = running.test_client()
        client.cookie_jar = (await signed_in(store, app, BEA)).cookie_jar
        async with streaming(client) as connection:
            await trio.sleep(0.2)
            await a_sale(store)
            [sold] = await read_events(connection, 1, "purchase")
        assert '"amount":"6.00"' in sold["data"]


async def test_live_carries_only_the_kinds_its_visitor_may_see(store: Store) -> None:
    app = app_for(store)
    async with app.test_app() as running:
        ann, owner = running.test_client(), running.test_client()
        ann.cookie_jar = (await signed_in(store, app, ANN)).cookie_jar
        owner.cookie_jar = (await signed_in(store, app, OWNER)).cookie_jar
        async with streaming(ann) as ann_stream, streaming(owner) as owner_stream:
            await trio.sleep(0.2)
            await a_sale(store)
            await a_payment(store)
            await register(store, 4243)
            await store.grant_admin(4243, ["stock"], actor_id=OWNER)
            await store.authorize(ANN, "owner", "web.test", owner_id=OWNER)  # a security event
            await store.record_crash("poller", "RuntimeError: boom")
            # The crash is the last event: what the stock admin got before it is all they got.
            assert await events_until(ann_stream, "crash") == ["crash"]
            seen = set(await events_until(owner_stream, "crash"))
        assert {"purchase", "payment", "registration", "staff", "security", "crash"} <= seen
        # Nor does resuming replay them.
        async with streaming(ann, **{"Last-Event-ID": "0"}) as ann_stream:
            assert await events_until(ann_stream, "crash") == ["crash"]


async def test_a_revoked_admins_stream_ends(store: Store) -> None:
    app = app_for(store)
    live = app.extensions["shopkeeper.live"]
    assert isinstance(live, LiveFeed)
    # Checked again at every event, instead of every RECHECK_SECONDS.
    live.recheck_seconds = 0
    async with app.test_app() as running:
        client = running.test_client()
        client.cookie_jar = (await signed_in(store, app, ANN)).cookie_jar
        async with streaming(client) as connection:
            await trio.sleep(0.2)
            await store.revoke_admin(ANN, actor_id=OWNER)
            events = await read_events(connection, 1, "reload")
            # The stream ended: nothing more comes, however much happens.
            await a_sale(store)
            with trio.fail_after(5):
                assert await connection.receive() == b""
        assert "purchase" not in [event["event"] for event in events]


async def test_a_stream_reloads_when_its_rights_change(store: Store) -> None:
    app = app_for(store)
    live = app.extensions["shopkeeper.live"]
    assert isinstance(live, LiveFeed)
    live.recheck_seconds = 0
    await store.grant_admin(BEA, ["statistics", "stock"], actor_id=OWNER)
    async with app.test_app() as running:
        client = running.test_client()
        client.cookie_jar = (await signed_in(store, app, BEA)).cookie_jar
        async with streaming(client) as connection:
            await trio.sleep(0.2)
            await a_sale(store)
            [sold] = await read_events(connection, 1, "purchase")
            assert '"amount":"6.00"' in sold["data"]
            # Statistics revoked mid-stream: the next purchase is not sent (nor its amount); the page reloads.
            await store.grant_admin(BEA, ["stock"], actor_id=OWNER)
            await a_sale(store, "sale-2")
            assert await events_until(connection, "reload") == ["reload"]
            with trio.fail_after(5):
                assert await connection.receive() == b""


@pytest.mark.postgres
async def test_an_event_of_one_process_reaches_the_stream_of_another(postgres_url: str) -> None:
    settings = StorageSettings(database_url=postgres_url)
    async with open_store(settings) as writer, open_store(settings) as reader:
        await register(writer, OWNER)
        app = app_for(reader)
        async with app.test_app() as running:
            client = running.test_client()
            client.cookie_jar = (await signed_in(reader, app, OWNER)).cookie_jar
            async with streaming(client) as connection:
                await trio.sleep(0.2)
                await register(writer, 4242)
                [joined] = await read_events(connection, 1, "registration")
            assert joined["event"] == "registration" and '"summary":"user 4242 joined"' in joined["data"]


async def test_a_staff_action_links_to_the_events_of_whom_it_is_about(store: Store) -> None:
    client = await signed_in(store, app_for(store), OWNER)
    staff = await page(client, "/events?kind=staff")
    # admin.grant of ANN by the owner: the row leads to ANN's events.
    assert f'<a href="/events?user={ANN}">user:{ANN}</a>' in staff
