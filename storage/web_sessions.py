"""Signing in to the web app: one-time sign-in links, and the database-backed sessions they open.

A staff member asks for a link (`/web` in the chat, `shopkeeper web link`); it is good once, for
LINK_LIFETIME. Redeeming it opens a session for `hours`; the browser keeps the session's token in a
cookie. Only SHA-256 hashes of both tokens are stored (storage.web_models), so a leaked database signs
nobody in. Whether the person may still do anything is asked afresh on every request
(storage.access), so a session is only who someone is; revoking or blocking an admin also deletes
their sessions (storage.staff), in the same transaction. Sign-in and sign-out are audited, and a bad
token is a security event counted per address (storage.audit).
"""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from storage.access import Refused, authorize_in
from storage.audit import write_event
from storage.records import NewWebSession, SignInLink, WebSessionRecord
from storage.web_models import WebSession, WebSignIn

LINK_MINUTES = 5
LINK_LIFETIME = timedelta(minutes=LINK_MINUTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_sign_in(
    user_id: int, *, owner_id: int, actor_id: int | None, lifetime: timedelta = LINK_LIFETIME
) -> SignInLink | Refused:
    """A one-time sign-in token for staff member `user_id`, good for `lifetime`, asked for by `actor_id`
    (None: the operator's shell). Refused (audited by storage.access) for anyone who is not staff now."""
    async with in_transaction() as conn:
        access = await authorize_in(conn, user_id, "staff", "web.link", owner_id=owner_id)
        if isinstance(access, Refused):
            return access
        token = secrets.token_urlsafe(32)
        expires_at = datetime.now(UTC) + lifetime
        await WebSignIn.create(token_hash=token_hash(token), user_id=user_id, expires_at=expires_at, using_db=conn)
        await write_event(conn, "web.link", actor_id=actor_id, target=str(user_id))
    return SignInLink(token=token, user_id=user_id, expires_at=expires_at)


async def redeem_sign_in(token: str, *, hours: float, owner_id: int, address: str) -> NewWebSession | Refused | None:
    """Use the sign-in token once: a session of `hours` for its staff member. None for a token that is
    unknown, used or expired (a security event, target `address`); Refused (audited) when its owner is
    no longer staff. Either way the token cannot be used again."""
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        link = await WebSignIn.get_or_none(token_hash=token_hash(token), using_db=conn)
        # The conditional update, not the read, decides: of two redemptions at once, one wins.
        taken = link is not None and (
            await WebSignIn.filter(id=link.id, used_at__isnull=True, expires_at__gt=now).using_db(conn).update(used_at=now)
        )
        if link is None or not taken:
            await write_event(conn, "web.bad_link", actor_id=None, target=address, security=True)
            return None
        access = await authorize_in(conn, link.user_id, "staff", "web.sign_in", owner_id=owner_id)
        if isinstance(access, Refused):
            return access
        session = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        expires_at = now + timedelta(hours=hours)
        await WebSession.create(
            session_hash=token_hash(session), user_id=link.user_id, csrf_token=csrf, expires_at=expires_at, using_db=conn
        )
        await write_event(conn, "web.sign_in", actor_id=link.user_id, target=address)
    return NewWebSession(token=session, user_id=link.user_id, csrf_token=csrf, expires_at=expires_at)


async def web_session(token: str) -> WebSessionRecord | None:
    """The live session whose cookie holds `token`; None when there is none or it has expired."""
    found = await WebSession.get_or_none(session_hash=token_hash(token), expires_at__gt=datetime.now(UTC))
    if found is None:
        return None
    return WebSessionRecord(user_id=found.user_id, csrf_token=found.csrf_token, expires_at=found.expires_at)


async def end_web_session(token: str, *, address: str) -> bool:
    """Sign out: the session whose cookie holds `token` ends. False when there was none."""
    async with in_transaction() as conn:
        found = await WebSession.get_or_none(session_hash=token_hash(token), using_db=conn)
        if found is None:
            return False
        await WebSession.filter(id=found.id).using_db(conn).delete()
        await write_event(conn, "web.sign_out", actor_id=found.user_id, target=address)
    return True


async def end_sessions(conn: BaseDBAsyncClient, user_id: int) -> int:
    """Inside a use case's transaction: every session and unused link of `user_id` ends (an admin
    revoked or blocked). Returns how many sessions ended."""
    await WebSignIn.filter(user_id=user_id, used_at__isnull=True).using_db(conn).update(used_at=datetime.now(UTC))
    return await WebSession.filter(user_id=user_id).using_db(conn).delete()


async def prune_web_sign_ins(before: datetime) -> int:
    """Delete the links and sessions that expired before `before` (the housekeeper's); returns how many."""
    async with in_transaction() as conn:
        links = await WebSignIn.filter(expires_at__lt=before).using_db(conn).delete()
        sessions = await WebSession.filter(expires_at__lt=before).using_db(conn).delete()
    return links + sessions
