"""Signing in to the web app through its routes (Quart's test client, a real store on SQLite and
PostgreSQL): a link's page signs in once its button is pressed, a page needs a session and a role allowed afresh on every request,
sign-out needs the CSRF token, and /metrics/prometheus needs the bearer token or a session."""

import os
from collections.abc import AsyncIterator
from http.cookiejar import CookieJar

import pytest
from prometheus_client.parser import text_string_to_metric_families
from quart_trio import QuartTrio

from storage import Permission, StorageSettings, Store, open_store
from tests.support import web
from tests.support.web import csrf_of
from webui import Auth, HealthReport, WebSettings, create_app
from webui.auth import BAD_LINKS_MAX, CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, Visitor

OWNER = 1
ANN = 1001
METRICS_TOKEN = "scrape-me"


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=database_url)) as opened:
        for user_id in (OWNER, ANN):
            await opened.register_user(
                user_id, username=None, first_name=f"u{user_id}", language_code="en", owner_id=OWNER, referrer_id=None
            )
        await opened.grant_admin(ANN, ["stock"], actor_id=OWNER)
        yield opened


def app_for(store: Store, **settings: object) -> QuartTrio:
    return web.app_for(store, OWNER, WebSettings(metrics_token=METRICS_TOKEN, **settings))  # type: ignore[arg-type]


async def link(store: Store, user_id: int) -> str:
    return await web.sign_in_path(store, user_id, OWNER)


def session_cookie(jar: CookieJar | None) -> str:
    assert jar is not None
    return next(cookie.value or "" for cookie in jar if cookie.name == SESSION_COOKIE)


async def test_a_link_signs_in_once_with_a_strict_http_only_cookie(store: Store) -> None:
    client = app_for(store).test_client()
    assert (await client.get("/")).status_code == 401
    path = await link(store, ANN)
    # Opening the link (a browser, or a scanner or a chat's preview) shows a button and spends nothing.
    for _ in range(2):
        opened = await client.get(path)
        assert opened.status_code == 200 and "Set-Cookie" not in opened.headers
        assert '<form method="post">' in await opened.get_data(as_text=True)
    assert (await client.get("/")).status_code == 401
    # The button posts back to the link's own address: that signs in, and moves on to /.
    response = await client.post(path)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie
    page = await client.get("/")
    assert page.status_code == 200 and "Signed in as u1001 (an admin)" in await page.get_data(as_text=True)
    again = await app_for(store).test_client().post(path)
    assert again.status_code == 401 and "/web" in await again.get_data(as_text=True)


async def test_the_cookie_is_secure_behind_https(store: Store) -> None:
    client = app_for(store, public_url="https://shop.example.com").test_client()
    response = await client.post(await link(store, OWNER))
    assert response.status_code == 303 and "Secure" in response.headers["Set-Cookie"]


async def test_without_a_session_a_page_says_how_to_sign_in(store: Store) -> None:
    client = app_for(store).test_client()
    client.set_cookie("localhost", SESSION_COOKIE, "forged")
    response = await client.get("/")
    assert response.status_code == 401 and "Send <code>/web</code>" in await response.get_data(as_text=True)


async def test_a_revoked_admin_is_refused_at_once(store: Store) -> None:
    client = app_for(store).test_client()
    await client.post(await link(store, ANN))
    assert (await client.get("/")).status_code == 200
    await store.revoke_admin(ANN, actor_id=OWNER)
    # Revoking ended the session: the next request is a stranger's.
    assert (await client.get("/")).status_code == 401


async def test_a_page_refused_to_someone_no_longer_staff_is_403_and_audited(store: Store) -> None:
    client = app_for(store).test_client()
    await client.post(await link(store, OWNER))
    # Another owner is configured: the former owner's session stays, their rights do not.
    other = create_app(lambda: HealthReport(components={}), Auth(store, WebSettings(), ANN)).test_client()
    other.cookie_jar = client.cookie_jar
    assert (await other.get("/")).status_code == 403
    page = await store.audit_page(1, 5, security_only=True)
    assert [(row.action, row.actor_id, row.target) for row in page.rows] == [("permission.refused", OWNER, "web.overview")]


async def test_sign_out_needs_the_csrf_token(store: Store) -> None:
    client = app_for(store).test_client()
    await client.post(await link(store, OWNER))
    csrf = csrf_of(await (await client.get("/")).get_data(as_text=True))
    assert (await client.post("/sign-out", form={})).status_code == 403
    assert (await client.post("/sign-out", form={CSRF_FIELD: "guess"})).status_code == 403
    assert (await client.get("/")).status_code == 200
    assert (await client.post("/sign-out", headers={CSRF_HEADER: csrf})).status_code == 200
    assert (await client.get("/")).status_code == 401


async def test_sign_out_by_form(store: Store) -> None:
    client = app_for(store).test_client()
    await client.post(await link(store, OWNER))
    csrf = csrf_of(await (await client.get("/")).get_data(as_text=True))
    response = await client.post("/sign-out", form={CSRF_FIELD: csrf})
    assert response.status_code == 200 and f"{SESSION_COOKIE}=;" in response.headers["Set-Cookie"]
    assert (await client.get("/")).status_code == 401


async def test_bad_links_are_limited_per_address(store: Store) -> None:
    client = app_for(store).test_client()
    for _ in range(BAD_LINKS_MAX):
        assert (await client.post("/sign-in/nothing")).status_code == 401
    good = await link(store, OWNER)
    assert (await client.post(good)).status_code == 429
    # The good link was not spent: from elsewhere it still signs in.
    elsewhere = await app_for(store).test_client().post(good)
    assert elsewhere.status_code == 303 and SESSION_COOKIE in elsewhere.headers["Set-Cookie"]


async def test_metrics_need_the_bearer_token_or_a_session(store: Store) -> None:
    client = app_for(store).test_client()
    assert (await client.get("/metrics/prometheus")).status_code == 401
    wrong = await client.get("/metrics/prometheus", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    scraped = await client.get("/metrics/prometheus", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert scraped.status_code == 200 and "shopkeeper_web_bodies_refused_total" in await scraped.get_data(as_text=True)
    await client.post(await link(store, ANN))
    assert (await client.get("/metrics/prometheus")).status_code == 200
    assert (await client.get("/health")).status_code == 200


async def test_the_metrics_json_holds_what_the_prometheus_text_holds(store: Store) -> None:
    client = app_for(store).test_client()
    assert (await client.get("/metrics")).status_code == 401
    bearer = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    text = await (await client.get("/metrics/prometheus", headers=bearer)).get_data(as_text=True)
    answer = await client.get("/metrics", headers=bearer)
    assert answer.status_code == 200
    shown = await answer.get_json()
    assert shown["process"]["pid"] == os.getpid()

    def key(name: str, labels: dict[str, str]) -> tuple[str, tuple[tuple[str, str], ...]]:
        return name, tuple(sorted(labels.items()))

    parsed = {key(s.name, s.labels): s.value for family in text_string_to_metric_families(text) for s in family.samples}
    in_json = {key(s["name"], s["labels"]): s["value"] for family in shown["metrics"] for s in family["samples"]}
    assert in_json.keys() == parsed.keys()
    # The shop's own figures stand still between the two reads (nothing is handled meanwhile); the
    # process's (CPU, garbage collection) move.
    ours = [sample for sample in parsed if sample[0].startswith("shopkeeper_")]
    assert ours and all(in_json[sample] == parsed[sample] for sample in ours)
    await client.post(await link(store, ANN))
    assert (await client.get("/metrics")).status_code == 200


async def test_no_metrics_token_configured_means_no_bearer_access(store: Store) -> None:
    client = create_app(lambda: HealthReport(components={}), Auth(store, WebSettings(), OWNER)).test_client()
    assert (await client.get("/metrics/prometheus", headers={"Authorization": "Bearer "})).status_code == 401


def app_with_pages(store: Store, done: list[int]) -> QuartTrio:
    """The app with two pages of the kind to come: one that needs a permission, one that changes something."""
    auth = Auth(store, WebSettings(), OWNER)
    app = create_app(lambda: HealthReport(components={}), auth)

    @auth.page(Permission.STATISTICS, "web.dashboard")
    async def dashboard(visitor: Visitor) -> str:
        return f"figures for {visitor.user.id}"

    @auth.page(Permission.STOCK, "web.stock.add")
    async def add_stock(visitor: Visitor) -> str:
        done.append(visitor.user.id)
        return "added"

    # Not /dashboard: the app serves the real one (tests/test_web_dashboard.py).
    app.add_url_rule("/figures", "figures", dashboard, methods=["GET"])
    app.add_url_rule("/stock", "stock", add_stock, methods=["POST"])
    return app


async def test_a_page_needing_a_permission_the_admin_lacks_is_403_and_audited(store: Store) -> None:
    client = app_with_pages(store, []).test_client()
    assert (await client.get("/figures")).status_code == 401
    await client.post(await link(store, ANN))
    response = await client.get("/figures")
    assert response.status_code == 403 and "Not for you" in await response.get_data(as_text=True)
    page = await store.audit_page(1, 5, security_only=True)
    assert [(row.action, row.actor_id, row.target) for row in page.rows] == [("permission.refused", ANN, "web.dashboard")]
    await store.grant_admin(ANN, ["statistics"], actor_id=OWNER)
    assert await (await client.get("/figures")).get_data(as_text=True) == f"figures for {ANN}"


async def test_a_change_without_the_csrf_token_is_refused_and_not_made(store: Store) -> None:
    done: list[int] = []
    client = app_with_pages(store, done).test_client()
    await client.post(await link(store, ANN))
    assert (await client.post("/stock", form={"units": "1"})).status_code == 403
    assert (await client.post("/stock", form={CSRF_FIELD: "guess"})).status_code == 403
    assert done == []
    session = await store.web_session(session_cookie(client.cookie_jar))
    assert session is not None
    csrf = session.csrf_token
    assert (await client.post("/stock", form={CSRF_FIELD: csrf})).status_code == 200
    assert done == [ANN]


async def test_every_page_runs_only_our_own_scripts_and_no_site_frames_it(store: Store) -> None:
    client = app_for(store).test_client()
    signed_out = await client.get("/")
    await client.post(await link(store, OWNER))
    for response in (signed_out, await client.get("/"), await client.get("/health")):
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
