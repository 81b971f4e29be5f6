"""Signing in to the web app, in storage, on SQLite and PostgreSQL: a link is for staff only and good
once for a short while, a session lasts its hours and ends at sign-out or when its admin is revoked or
blocked, and the database holds only hashes of the tokens."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import trio

from actors.housekeeper import Housekeeper
from storage import NewWebSession, Refused, SignInLink, StorageSettings, Store, open_store
from storage.web_models import WebSession, WebSignIn

OWNER = 1
ANN = 1001
BOB = 1002
HERE = "203.0.113.7"


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=database_url)) as opened:
        for user_id in (OWNER, ANN, BOB):
            await opened.register_user(
                user_id, username=None, first_name=f"u{user_id}", language_code="en", owner_id=OWNER, referrer_id=None
            )
        await opened.grant_admin(ANN, ["stock"], actor_id=OWNER)
        yield opened


async def link(store: Store, user_id: int, **kwargs: object) -> SignInLink:
    issued = await store.issue_sign_in(user_id, owner_id=OWNER, actor_id=user_id, **kwargs)  # type: ignore[arg-type]
    assert isinstance(issued, SignInLink)
    return issued


async def sign_in(store: Store, user_id: int, hours: float = 12) -> NewWebSession:
    session = await store.redeem_sign_in((await link(store, user_id)).token, hours=hours, owner_id=OWNER, address=HERE)
    assert isinstance(session, NewWebSession) and session.user_id == user_id
    return session


async def actions(store: Store) -> list[tuple[str, int | None, str]]:
    page = await store.audit_page(1, 50, security_only=False)
    return [(row.action, row.actor_id, row.target) for row in reversed(page.rows) if row.action.startswith("web.")]


async def test_a_link_signs_its_staff_member_in_once(store: Store) -> None:
    issued = await link(store, ANN)
    assert timedelta(minutes=4) < issued.expires_at - datetime.now(UTC) <= timedelta(minutes=5)
    session = await store.redeem_sign_in(issued.token, hours=12, owner_id=OWNER, address=HERE)
    assert isinstance(session, NewWebSession) and session.user_id == ANN
    assert timedelta(hours=11) < session.expires_at - datetime.now(UTC) <= timedelta(hours=12)
    found = await store.web_session(session.token)
    assert found is not None and (found.user_id, found.csrf_token) == (ANN, session.csrf_token)
    assert await store.redeem_sign_in(issued.token, hours=12, owner_id=OWNER, address=HERE) is None
    assert await store.redeem_sign_in("not-a-token", hours=12, owner_id=OWNER, address=HERE) is None
    assert await actions(store) == [
        ("web.link", ANN, str(ANN)),
        ("web.sign_in", ANN, HERE),
        ("web.bad_link", None, HERE),
    ]
    bad = await store.audit_page(1, 10, security_only=True)
    assert [(row.action, row.count) for row in bad.rows] == [("web.bad_link", 2)]


async def test_no_link_for_anyone_but_staff(store: Store) -> None:
    for user_id in (BOB, 4242):
        refused = await store.issue_sign_in(user_id, owner_id=OWNER, actor_id=None)
        assert isinstance(refused, Refused) and refused.reason == "staff"
    page = await store.audit_page(1, 10, security_only=True)
    assert [(row.action, row.actor_id, row.target) for row in reversed(page.rows)] == [
        ("permission.refused", BOB, "web.link"),
        ("permission.refused", 4242, "web.link"),
    ]


async def test_an_expired_link_signs_nobody_in(store: Store) -> None:
    issued = await link(store, OWNER, lifetime=timedelta(milliseconds=200))
    await trio.sleep(0.3)
    assert await store.redeem_sign_in(issued.token, hours=12, owner_id=OWNER, address=HERE) is None


async def test_revoking_or_blocking_an_admin_spends_their_unused_links(store: Store) -> None:
    issued = await link(store, ANN)
    await store.grant_admin(BOB, [], actor_id=OWNER)
    later = await link(store, BOB)
    await store.revoke_admin(BOB, actor_id=OWNER)
    assert await store.redeem_sign_in(later.token, hours=12, owner_id=OWNER, address=HERE) is None
    await store.set_blocked(ANN, True, actor_id=OWNER)
    assert await store.redeem_sign_in(issued.token, hours=12, owner_id=OWNER, address=HERE) is None


async def test_a_link_of_someone_no_longer_staff_is_refused_and_spent(store: Store) -> None:
    issued = await link(store, OWNER)
    # The owner id now names another person: the former owner is no staff, though the store ended nothing.
    refused = await store.redeem_sign_in(issued.token, hours=12, owner_id=BOB, address=HERE)
    assert isinstance(refused, Refused) and refused.reason == "staff"
    assert await store.redeem_sign_in(issued.token, hours=12, owner_id=OWNER, address=HERE) is None


async def test_a_session_expires_after_its_hours(store: Store) -> None:
    session = await sign_in(store, OWNER, hours=0.2 / 3600)
    assert await store.web_session(session.token) is not None
    await trio.sleep(0.3)
    assert await store.web_session(session.token) is None


async def test_sign_out_ends_the_session(store: Store) -> None:
    session = await sign_in(store, ANN)
    other = await sign_in(store, ANN)
    assert await store.end_web_session(session.token, address=HERE)
    assert await store.web_session(session.token) is None
    assert await store.web_session(other.token) is not None
    assert not await store.end_web_session(session.token, address=HERE)
    assert ("web.sign_out", ANN, HERE) in await actions(store)


async def test_revoking_or_blocking_an_admin_ends_their_sessions(store: Store) -> None:
    ann = await sign_in(store, ANN)
    owner = await sign_in(store, OWNER)
    await store.revoke_admin(ANN, actor_id=OWNER)
    assert await store.web_session(ann.token) is None
    await store.grant_admin(BOB, ["stock"], actor_id=OWNER)
    bob = await sign_in(store, BOB)
    await store.set_blocked(BOB, True, actor_id=OWNER)
    assert await store.web_session(bob.token) is None
    assert await store.web_session(owner.token) is not None


async def test_the_housekeeper_deletes_expired_links_and_sessions(store: Store) -> None:
    await link(store, OWNER, lifetime=timedelta(milliseconds=100))
    short = await sign_in(store, ANN, hours=0.1 / 3600)
    live_link = await link(store, OWNER)
    live = await sign_in(store, OWNER)
    await trio.sleep(0.2)
    # Expired: the first link, and the short session; Ann's and the owner's spent links live until theirs.
    assert await Housekeeper(store, 0).forget_expired_sign_ins(datetime.now(UTC)) == 2
    assert await store.web_session(short.token) is None and await store.web_session(live.token) is not None
    assert isinstance(await store.redeem_sign_in(live_link.token, hours=1, owner_id=OWNER, address=HERE), NewWebSession)
    assert await Housekeeper(store, 0).forget_expired_sign_ins(datetime.now(UTC)) == 0


async def _stored_tokens() -> list[str]:
    links = await WebSignIn.all().values_list("token_hash", flat=True)
    sessions = await WebSession.all().values_list("session_hash", flat=True)
    return [str(value) for value in [*links, *sessions]]


async def test_the_database_keeps_only_hashes(store: Store) -> None:
    issued = await link(store, OWNER)
    session = await store.redeem_sign_in(issued.token, hours=12, owner_id=OWNER, address=HERE)
    assert isinstance(session, NewWebSession)
    stored = await store.cross(_stored_tokens)
    assert len(stored) == 2 and issued.token not in stored and session.token not in stored
