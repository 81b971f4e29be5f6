"""The dashboard's routes (Quart's test client, a real store on SQLite and PostgreSQL): who may see it,
the figures of a purchase made through the chat, the live fragment, the period switch, the charts."""

import re
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
import trio
from quart_trio import QuartTrio

from storage import StorageSettings, Store, open_store
from tests.support import web
from tests.support.chat import labels, open_card, open_item, press_when_shown
from tests.support.payments import invoices
from tests.support.shop import OWNER_ID, open_shop
from tests.support.store import add_goods, bought, seed_item

ANN = 1001  # an admin allowed stock only
BOB = 1002  # an admin allowed statistics


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=database_url)) as opened:
        for user_id in (OWNER_ID, ANN, BOB):
            await opened.register_user(
                user_id, username=None, first_name=f"u{user_id}", language_code="en", owner_id=OWNER_ID, referrer_id=None
            )
        await opened.grant_admin(ANN, ["stock"], actor_id=OWNER_ID)
        await opened.grant_admin(BOB, ["statistics"], actor_id=OWNER_ID)
        yield opened


def app_for(store: Store) -> QuartTrio:
    return web.app_for(store, OWNER_ID)


async def signed_in(store: Store, user_id: int) -> object:
    """A test client with `user_id`'s session."""
    return await web.signed_in(app_for(store), store, user_id, OWNER_ID)


def kpi(page: str, name: str) -> str:
    """The value a KPI card shows."""
    found = re.search(rf'data-kpi="{name}">([^<]*)<', page)
    assert found, f"no {name} card"
    return found.group(1)


def funnel(page: str) -> list[tuple[str, str]]:
    table = page.split('<table class="funnel">', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr><td>([^<]+)</td><td class=\"num\">([^<]+)</td>", table)


async def paid_shown(client: Any, path: str) -> str:
    """The page once its funnel shows one user paid: the chat notes it after the receipt, so a moment
    after the buyer saw it."""
    with trio.fail_after(5):
        while True:
            response = await client.get(path)
            assert response.status_code == 200
            page: str = await response.get_data(as_text=True)
            if funnel(page)[3] == ("Paid", "1"):
                return page
            await trio.sleep(0.05)


async def test_without_a_session_nothing_shows(store: Store) -> None:
    client = app_for(store).test_client()
    for path in ("/dashboard", "/dashboard/live?period=today", "/today/live"):
        response = await client.get(path)
        text = await response.get_data(as_text=True)
        assert response.status_code == 401 and "/web" in text and "data-kpi" not in text


async def test_an_admin_without_statistics_is_refused_and_audited(store: Store) -> None:
    client = await signed_in(store, ANN)
    for path in ("/dashboard", "/dashboard/live?period=7d", "/today/live"):
        response = await client.get(path)  # type: ignore[attr-defined]
        assert response.status_code == 403 and "data-kpi" not in await response.get_data(as_text=True)
    page = await store.audit_page(1, 5, security_only=True)
    # The refusals, one row a target: repeats within a minute are counted (storage.audit).
    assert [(row.action, row.actor_id, row.target, row.count) for row in page.rows] == [
        ("permission.refused", ANN, "web.overview.today", 1),
        ("permission.refused", ANN, "web.dashboard", 2),
    ]
    # The overview is theirs, without today's figures.
    overview = await client.get("/")  # type: ignore[attr-defined]
    text = await overview.get_data(as_text=True)
    assert overview.status_code == 200 and "data-kpi" not in text and "/today/live" not in text


async def test_an_admin_with_statistics_sees_the_figures(store: Store) -> None:
    item = await add_goods(store, "Key", price="3.50", units=3)
    await store.credit_user(ANN, Decimal("10.00"))
    await bought(store, ANN, item, quantity=2, key="ann")
    client = await signed_in(store, BOB)
    page = await (await client.get("/dashboard?period=today")).get_data(as_text=True)  # type: ignore[attr-defined]
    assert (kpi(page, "revenue"), kpi(page, "purchases"), kpi(page, "paying_users"), kpi(page, "average_order")) == (
        "7.00",
        "1",
        "1",
        "7.00",
    )
    assert 'Key</td><td class="num">2</td><td class="num">7.00</td>' in page
    overview = await (await client.get("/")).get_data(as_text=True)  # type: ignore[attr-defined]
    assert kpi(overview, "revenue") == "7.00" and kpi(overview, "new_users") == "3"
    # The cards fetch themselves again when the figures change (static/live.js), from their fragment.
    assert 'data-live-src="/today/live" data-live-kinds="purchase,payment,refund,registration"' in overview
    await store.credit_user(ANN, Decimal("3.50"))
    await bought(store, ANN, item, quantity=1, key="ann-2")
    fragment = await client.get("/today/live")  # type: ignore[attr-defined]
    text = await fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and fragment.headers["Cache-Control"] == "no-store"
    assert kpi(text, "revenue") == "10.50" and kpi(text, "purchases") == "2" and "<html" not in text


async def test_a_purchase_in_the_chat_shows_on_the_dashboard(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        await seed_item(shop.store, units=["KEY-1"])
        ann = shop.emu.user(ANN, first_name="Ann")
        await open_item(ann)
        await shop.store.credit_user(ANN, Decimal("25.00"), reason="test top-up")
        await ann.press("Buy")
        await ann.wait_for_text("Your balance: 25.00 USD")
        await ann.press("✅ Confirm")
        await ann.wait_for_text("Purchase complete")
        await shop.store.register_user(OWNER_ID, username=None, first_name="Owner", language_code="en", owner_id=OWNER_ID)

        client = await signed_in(shop.store, OWNER_ID)
        page = await paid_shown(client, "/dashboard")
        assert (kpi(page, "revenue"), kpi(page, "purchases"), kpi(page, "new_users"), kpi(page, "paying_users")) == (
            "10.00",
            "1",
            "2",
            "1",
        )
        # Ann opened the item, confirmed and paid; the owner only registered.
        assert funnel(page) == [("Started", "2"), ("Opened an item", "1"), ("Confirmed an order", "1"), ("Paid", "1")]
        assert "<td>Space &lt;Game&gt; &amp; Co</td>" in page
        # The runway: the one unit is sold.
        assert re.search(r"Space &lt;Game&gt; &amp; Co</td><td class=\"num bad\">0</td><td class=\"num\">1</td>", page)
        # The page wraps its figures for the live updates, and the fragment is the same figures alone.
        assert (
            '<div id="dashboard-live" data-live-src="/dashboard/live?period=7d" '
            'data-live-kinds="purchase,payment,refund,registration">'
        ) in page
        live = await client.get("/dashboard/live?period=7d")  # type: ignore[attr-defined]
        fragment = await live.get_data(as_text=True)
        assert live.status_code == 200 and "<html" not in fragment and "Sign out" not in fragment
        assert kpi(fragment, "revenue") == "10.00" and funnel(fragment) == funnel(page)


async def test_an_item_paid_by_stars_invoice_counts_as_confirmed_and_paid(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        await seed_item(shop.store, units=["KEY-1", "KEY-2"])
        ann = shop.emu.user(ANN, first_name="Ann")
        await open_card(ann, "Games (1)", "Space <Game> & Co · 10.00 USD")
        await ann.press("Buy")
        await press_when_shown(ann, "1")
        screen = await ann.wait_for(lambda m: "✅ Confirm" in labels(m))
        await ann.press("⭐ Pay with Stars: 500", screen["message_id"])
        await ann.wait_for(lambda m: bool(invoices(ann)))
        assert (await ann.pay()).status == "paid"
        await ann.wait_for_text("KEY-1")
        await shop.store.register_user(OWNER_ID, username=None, first_name="Owner", language_code="en", owner_id=OWNER_ID)
        client = await signed_in(shop.store, OWNER_ID)
        page = await paid_shown(client, "/dashboard?period=today")
        assert kpi(page, "revenue") == "10.00"
        assert funnel(page) == [("Started", "2"), ("Opened an item", "1"), ("Confirmed an order", "1"), ("Paid", "1")]


async def test_the_periods_and_their_tabs(store: Store) -> None:
    client = await signed_in(store, OWNER_ID)
    for period, current in (("today", "Today"), ("7d", "7 days"), ("30d", "30 days")):
        response = await client.get(f"/dashboard?period={period}")  # type: ignore[attr-defined]
        page = await response.get_data(as_text=True)
        assert response.status_code == 200
        assert f'<a href="/dashboard?period={period}" aria-current="true">{current}</a>' in page
        assert f'data-live-src="/dashboard/live?period={period}"' in page
        # The nav bar shows: the page is a signed-in one.
        assert 'action="/sign-out"' in page


@pytest.mark.parametrize(
    ("query", "name"),
    [("period=year", "period"), ("period=", "period"), ("runway_page=0", "runway_page"), ("runway_page=x", "runway_page")],
)
async def test_a_bad_parameter_is_a_400_naming_it(store: Store, query: str, name: str) -> None:
    client = await signed_in(store, OWNER_ID)
    for path in ("/dashboard", "/dashboard/live"):
        response = await client.get(f"{path}?{query}")  # type: ignore[attr-defined]
        assert response.status_code == 400 and f"<code>{name}</code>" in await response.get_data(as_text=True)


async def test_the_charts_are_inline_svg_without_scripts_or_other_hosts(store: Store) -> None:
    client = await signed_in(store, OWNER_ID)
    page = await (await client.get("/dashboard?period=30d")).get_data(as_text=True)  # type: ignore[attr-defined]
    assert page.count("<svg ") == 2 and "Revenue per day" in page and "Purchases per day" in page
    charts = re.findall(r"<svg .*?</svg>", page, flags=re.DOTALL)
    assert len(charts) == 2 and not any("<script" in chart for chart in charts) and "file://" not in page
    # The page's only script is our own, served by the app.
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/live.js" defer>']
    namespaces = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert set(re.findall(r"https?://[^\"' )<>]+", page)) <= namespaces
