"""Signing in to the web app, and the check every page makes.

A staff member opens the one-time link `/web` gave them (storage.web_sessions) and presses its
page's "Sign in" button: only then does the link's token become a session (link scanners and
previews open links, but press nothing), whose token the browser keeps in a cookie (HttpOnly,
SameSite=Strict, Secure when the app is reached over https). A page is then served to a session
alone (401 without one), and only once the store has said afresh that its person may
(storage.access: 403, audited, otherwise); a request that changes anything must also carry the
session's CSRF token (403, nothing done, without it). Bad sign-in tokens are counted per address:
past BAD_LINKS_MAX in BAD_LINKS_WINDOW (each new one restarts the window), an address gets 429
without the store being asked.
"""

import functools
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import trio
from cachetools import TTLCache
from quart import Response, render_template, request
from quart_trio import QuartTrio

from storage import Granted, Need, Refused, Store, UserRecord, WebSessionRecord
from webui.config import SIGN_IN_PATH, WebSettings

SESSION_COOKIE = "shopkeeper_session"
# Forms send the CSRF token as this field; scripts as this header.
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BAD_LINKS_MAX = 10
BAD_LINKS_WINDOW = 600.0
BAD_LINKS_ADDRESSES = 10_000

type Page = Callable[..., Awaitable[Response | str]]


@dataclass(frozen=True)
class Visitor:
    """The signed-in person of this request, as the store read them just now."""

    user: UserRecord
    csrf_token: str


@dataclass
class Auth:
    """Sign-in, sign-out and the check of every page, for one app."""

    store: Store
    settings: WebSettings
    owner_id: int
    _bad_links: TTLCache[str, int] = field(
        default_factory=lambda: TTLCache(maxsize=BAD_LINKS_ADDRESSES, ttl=BAD_LINKS_WINDOW, timer=trio.current_time)
    )

    def register(self, app: QuartTrio) -> None:
        app.add_url_rule(f"{SIGN_IN_PATH}/<token>", "sign_in_page", self._sign_in_page, methods=["GET"])
        app.add_url_rule(f"{SIGN_IN_PATH}/<token>", "sign_in", self._sign_in, methods=["POST"])
        app.add_url_rule("/sign-out", "sign_out", self._sign_out, methods=["POST"])
        # Every form's hidden field names the CSRF token as _carries_csrf reads it.
        app.jinja_env.globals["csrf_field"] = CSRF_FIELD

    def page(self, need: Need, action: str) -> Callable[[Callable[[Visitor], Awaitable[Response | str]]], Page]:
        """A page for those who meet `need`: the handler gets the visitor; `action` names the page in
        the audit log's refusals ("web.dashboard")."""

        def decorate(handler: Callable[[Visitor], Awaitable[Response | str]]) -> Page:
            @functools.wraps(handler)
            async def checked() -> Response | str:
                visitor = await self.visitor(need, action)
                if isinstance(visitor, Response):
                    return visitor
                return await handler(visitor)

            return checked

        return decorate

    async def visitor(self, need: Need, action: str) -> Visitor | Response:
        """This request's visitor, allowed `action`; or the refusal to answer with (401, 403)."""
        session = await self._session()
        if session is None:
            return await refusal(401, "signed_out")
        if request.method not in SAFE_METHODS and not await _carries_csrf(session.csrf_token):
            return await refusal(403, "csrf")
        access = await self.store.authorize(session.user_id, need, action, owner_id=self.owner_id)
        if isinstance(access, Refused):
            return await refusal(403, "refused")
        return Visitor(user=access.user, csrf_token=session.csrf_token)

    async def may_scrape(self) -> bool:
        """Whether this request may read the Prometheus metrics: the bearer token, or a staff session."""
        token = self.settings.metrics_token
        given = request.headers.get("Authorization", "")
        if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
        session = await self._session()
        if session is None:
            return False
        access = await self.store.authorize(session.user_id, "staff", "web.metrics", owner_id=self.owner_id)
        return isinstance(access, Granted)

    async def _session(self) -> WebSessionRecord | None:
        token = request.cookies.get(SESSION_COOKIE)
        return await self.store.web_session(token) if token else None

    async def _sign_in_page(self, token: str) -> Response:
        """The link's page: a button that signs in. Opening it asks nothing of the store and spends nothing.
        The form needs no CSRF token: there is no session yet to act for, and the POST names the same token."""
        response = Response(await render_template("sign_in.html"), status=200)
        response.headers["Cache-Control"] = "no-store"
        return response

    async def _sign_in(self, token: str) -> Response:
        address = request.remote_addr or ""
        if self._bad_links.get(address, 0) >= BAD_LINKS_MAX:
            return await refusal(429, "too_many")
        session = await self.store.redeem_sign_in(
            token, hours=self.settings.session_hours, owner_id=self.owner_id, address=address
        )
        if session is None:
            self._bad_links[address] = self._bad_links.get(address, 0) + 1
            return await refusal(401, "bad_link")
        if isinstance(session, Refused):
            return await refusal(403, "refused")
        # A redirect to / now works: the POST came from our own page's form, a same-site navigation, so
        # the browser sends the SameSite=Strict cookie along it. (Redeemed straight from the link, which
        # another site (Telegram) opened, the redirect would have been cross-site and the cookie withheld.)
        response = Response("", status=303, headers={"Location": "/"})
        response.set_cookie(
            SESSION_COOKIE,
            session.token,
            max_age=int(self.settings.session_hours * 3600),
            secure=self.settings.secure,
            httponly=True,
            samesite="Strict",
        )
        return response

    async def _sign_out(self) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        session = await self.store.web_session(token) if token else None
        if token is None or session is None:
            return await refusal(401, "signed_out")
        if not await _carries_csrf(session.csrf_token):
            return await refusal(403, "csrf")
        await self.store.end_web_session(token, address=request.remote_addr or "")
        response = Response(await render_template("signed_out.html"), status=200)
        response.delete_cookie(SESSION_COOKIE, secure=self.settings.secure, httponly=True, samesite="Strict")
        return response


async def _carries_csrf(expected: str) -> bool:
    given = request.headers.get(CSRF_HEADER) or (await request.form).get(CSRF_FIELD, "")
    return hmac.compare_digest(given.encode(), expected.encode())


async def refusal(status: int, reason: str) -> Response:
    """A short page saying why not, and (signed out) how to get in: /web in the chat."""
    return Response(await render_template("refusal.html", status=status, reason=reason), status=status)
