"""Behind a reverse proxy (web.proxy_hops): the client's address comes from X-Forwarded-For, so bad
sign-in links are counted per visitor, not for the proxy as a whole; without a proxy the header is
ignored, so nobody escapes the count by sending one."""

from collections.abc import AsyncIterator

import pytest

from storage import StorageSettings, Store, open_store
from webui import Auth, HealthReport, WebSettings, create_app
from webui.auth import BAD_LINKS_MAX

OWNER = 1


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=sqlite_url)) as opened:
        yield opened


async def bad_links_until_refused(store: Store, hops: int, forwarded_for: list[str]) -> list[int]:
    """The statuses of BAD_LINKS_MAX + 1 bad sign-ins, each from the next of `forwarded_for` in turn."""
    client = create_app(lambda: HealthReport(components={}), Auth(store, WebSettings(proxy_hops=hops), OWNER)).test_client()
    statuses = []
    for attempt in range(BAD_LINKS_MAX + 1):
        address = forwarded_for[attempt % len(forwarded_for)]
        response = await client.post("/sign-in/nothing", headers={"X-Forwarded-For": address})
        statuses.append(response.status_code)
    return statuses


async def test_behind_a_proxy_each_visitor_has_their_own_count(store: Store) -> None:
    # Two visitors share the attempts: neither reaches the limit.
    assert set(await bad_links_until_refused(store, 1, ["203.0.113.1", "203.0.113.2"])) == {401}
    # One visitor alone does, whatever they put before the proxy's own entry.
    statuses = await bad_links_until_refused(store, 1, ["1.1.1.1, 203.0.113.3", "2.2.2.2, 203.0.113.3"])
    assert statuses[-1] == 429


async def test_without_a_proxy_the_header_is_ignored(store: Store) -> None:
    statuses = await bad_links_until_refused(store, 0, ["203.0.113.1", "203.0.113.2"])
    assert statuses[:BAD_LINKS_MAX] == [401] * BAD_LINKS_MAX and statuses[-1] == 429
