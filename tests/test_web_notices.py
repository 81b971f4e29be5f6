"""`/notices` through its routes (Quart's test client, a real store): the form shows the staff member's
own choices, saves them through the same use case as the chat's panel (checked and audited), refuses
a change without the CSRF token or with a notice the person may not see, and answers a bad value 400
naming its field."""

from collections.abc import AsyncIterator

import pytest
from quart.typing import TestClientProtocol as WebClient
from quart_trio import QuartTrio

from storage import NoticeChoices, StorageSettings, Store, open_store
from tests.support import web
from webui.auth import CSRF_FIELD

OWNER, ANN = 1, 1001


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=sqlite_url)) as opened:
        for user_id in (OWNER, ANN):
            await opened.register_user(
                user_id, username=None, first_name=f"u{user_id}", language_code="en", owner_id=OWNER, referrer_id=None
            )
        await opened.grant_admin(ANN, ["stock"], actor_id=OWNER)
        yield opened


def app_for(store: Store) -> QuartTrio:
    return web.app_for(store, OWNER)


async def signed_in(store: Store, user_id: int) -> tuple[WebClient, str]:
    """A test client signed in as `user_id`, and the CSRF token the notices form carries."""
    client = await web.signed_in(app_for(store), store, user_id, OWNER)
    return client, web.csrf_of(await (await client.get("/notices")).get_data(as_text=True))


async def test_the_form_saves_the_same_choices_as_the_chat(store: Store) -> None:
    assert (await app_for(store).test_client().get("/notices")).status_code == 401
    client, csrf = await signed_in(store, ANN)
    page = await (await client.get("/notices")).get_data(as_text=True)
    # Ann holds stock: low stock and disputes are hers to choose, the figures of sales are not.
    assert 'name="low_stock"' in page and 'name="disputes" checked' in page
    assert 'name="sales"' not in page and 'name="digest_hour"' not in page
    saved = await client.post("/notices", form={CSRF_FIELD: csrf, "low_stock": "on"})
    assert saved.status_code == 200 and "Saved." in await saved.get_data(as_text=True)
    assert await store.notice_choices(ANN) == NoticeChoices(low_stock=True, disputes=False)
    events = (await store.audit_page(1, 5)).rows
    assert (events[0].action, events[0].actor_id, events[0].detail) == ("notices.choose", ANN, "low_stock")

    # The owner chooses the digest's hour.
    owner, owner_csrf = await signed_in(store, OWNER)
    form = {CSRF_FIELD: owner_csrf, "sales": "on", "digest": "on", "digest_hour": "7", "disputes": "on"}
    assert (await owner.post("/notices", form=form)).status_code == 200
    assert await store.notice_choices(OWNER) == NoticeChoices(sales=True, digest=True, digest_hour=7)


async def test_without_the_csrf_token_or_with_a_bad_value_nothing_changes(store: Store) -> None:
    client, csrf = await signed_in(store, ANN)
    for form in ({"low_stock": "on"}, {CSRF_FIELD: "guess", "low_stock": "on"}):
        assert (await client.post("/notices", form=form)).status_code == 403
    owner, owner_csrf = await signed_in(store, OWNER)
    for field, value in (("digest_hour", "24"), ("digest_hour", "soon"), ("sales", "yes")):
        bad = await owner.post("/notices", form={CSRF_FIELD: owner_csrf, field: value})
        assert bad.status_code == 400 and (await bad.get_data(as_text=True)).startswith(f"{field}: ")
    # A notice Ann may not see, forged into the form: refused and audited.
    refused = await client.post("/notices", form={CSRF_FIELD: csrf, "sales": "on"})
    assert refused.status_code == 403
    security = (await store.audit_page(1, 5, security_only=True)).rows
    assert [(e.actor_id, e.target, e.detail) for e in security] == [(ANN, "notices.sales", "statistics")]
    assert await store.notice_choices(ANN) == NoticeChoices() and await store.notice_choices(OWNER) == NoticeChoices()
