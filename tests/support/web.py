"""The web app in process for route tests (Quart's test client over a real store): the app, a sign-in
link's path, a client signed in through it, and the CSRF token a page's forms carry."""

from typing import Any

from quart import typing as quart_typing
from quart_trio import QuartTrio

from storage import SignInLink, Store
from webui import Auth, HealthReport, WebSettings, create_app
from webui.auth import CSRF_FIELD


def app_for(store: Store, owner: int, settings: WebSettings | None = None, **options: Any) -> QuartTrio:
    """The app on `store` for the shop of `owner`, healthy, with create_app's `options`."""
    auth = Auth(store, settings or WebSettings(), owner)
    return create_app(lambda: HealthReport(components={}), auth, **options)


async def sign_in_path(store: Store, user_id: int, owner: int) -> str:
    """A fresh one-time link's path for staff member `user_id`."""
    issued = await store.issue_sign_in(user_id, owner_id=owner, actor_id=user_id)
    assert isinstance(issued, SignInLink), issued
    return f"/sign-in/{issued.token}"


async def signed_in(app: QuartTrio, store: Store, user_id: int, owner: int) -> quart_typing.TestClientProtocol:
    """A test client of `app` with `user_id` signed in (their link redeemed, the session cookie kept)."""
    client = app.test_client()
    assert (await client.post(await sign_in_path(store, user_id, owner))).status_code == 303
    return client


def csrf_of(page: str) -> str:
    """The CSRF token a page's form carries."""
    return page.split(f'name="{CSRF_FIELD}" value="', 1)[1].split('"', 1)[0]
