"""Live updates: the shop's business events (storage.feed) as Server-Sent Events at `/live`.

Storage writes each event in the transaction of the change it tells of; every process reads them
from the database, so a page open on any process behind a load balancer hears of every process's
sales. One watcher per process (`LiveFeed.run`, started in the app's nursery when it starts serving)
polls the feed by id every POLL_SECONDS, which costs an index seek when nothing happened, and hands
each event to every open stream: one query a process, however many pages are open.

Ids are taken when a row is written and commit later, so on PostgreSQL a reader may see id 8 before
id 7 commits. The watcher remembers the ids it skipped and asks for them again at each poll, for a
while (storage.feed_gaps, shared with the notifier); an id still missing then belongs to a
transaction that rolled back.

A stream's buffer holds SUBSCRIBER_BUFFER events: a stream that falls that far behind (a stalled
connection) is dropped and told to reload, rather than holding up the others. Streams end as soon as
the shop starts stopping (`LiveFeed.close`, from the web server's shutdown trigger): hypercorn would
otherwise wait out its graceful timeout for them.
"""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Literal

import msgspec
import trio
from quart import Response, request
from quart_trio import QuartTrio

from storage import FeedGaps, Granted, ShopEventKind, ShopEventRecord, StorageError, Store, UserRecord
from webui.auth import SESSION_COOKIE, Auth, Visitor
from webui.event_access import MONEY_KINDS, shows_money, visible_kinds

log = logging.getLogger(__name__)

# What a stream may carry: the kinds of event its visitor may see (webui.event_access), and whether
# with their amounts.
type Rights = tuple[frozenset[ShopEventKind], bool]

POLL_SECONDS = 0.5
READ_BATCH = 200
SUBSCRIBER_BUFFER = 64
HEARTBEAT_SECONDS = 15.0
# How often an open stream's session and rights are checked again (at an event or a heartbeat).
RECHECK_SECONDS = 15.0
# A browser that reconnects is sent what it missed, at most this much; beyond it, it is told to reload.
REPLAY_MAX = 200


class _Subscriber:
    def __init__(self) -> None:
        # Buffered: the watcher never waits for a stream; one that fills its buffer is dropped.
        self.send, self.receive = trio.open_memory_channel[ShopEventRecord](SUBSCRIBER_BUFFER)
        self.dropped = False


class LiveFeed:
    """The process's one watcher of the feed, and the streams it feeds."""

    def __init__(self, store: Store, *, poll_seconds: float = POLL_SECONDS, recheck_seconds: float = RECHECK_SECONDS) -> None:
        self.store = store
        self.poll_seconds = poll_seconds
        self.recheck_seconds = recheck_seconds
        self.closing = trio.Event()
        self._subscribers: set[_Subscriber] = set()
        self._last = 0
        # Ids below _last not seen yet, with when to stop waiting for each.
        self.gaps = FeedGaps()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Poll the feed until cancelled or closed. Supports the trio nursery start protocol: started
        once it knows where the feed ends (events before that are not sent live, only replayed).

        Error handling: a database that does not answer is logged and asked again at the next poll
        (and where the feed ends, if that was not known yet)."""
        found = await self._find_end()
        task_status.started()
        while not self.closing.is_set():
            if found:
                try:
                    await self.poll()
                except StorageError as error:
                    log.warning("live events: feed not read: %s", error)
            else:
                found = await self._find_end()
            with trio.move_on_after(self.poll_seconds):
                await self.closing.wait()

    async def _find_end(self) -> bool:
        try:
            self._last = await self.store.latest_shop_event_id()
        except StorageError as error:
            log.warning("live events: feed not read: %s", error)
            return False
        return True

    async def poll(self) -> None:
        """Hand out what is new since the last poll, and the skipped ids that committed since."""
        now = trio.current_time()
        awaited = self.gaps.awaited(now)
        if awaited:
            for event in await self.store.shop_events_among(awaited):
                self.gaps.found(event.id)
                self._publish(event)
        while True:
            batch = await self.store.shop_events_after(self._last, READ_BATCH)
            for event in batch:
                self.gaps.passed(self._last, event.id, now)
                self._last = event.id
                self._publish(event)
            if len(batch) < READ_BATCH:
                return

    def _publish(self, event: ShopEventRecord) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber.send.send_nowait(event)
            except trio.WouldBlock:
                subscriber.dropped = True
                self._drop(subscriber)
            except trio.BrokenResourceError:
                self._drop(subscriber)

    def _drop(self, subscriber: _Subscriber) -> None:
        self._subscribers.discard(subscriber)
        subscriber.send.close()

    @contextmanager
    def subscribe(self) -> Iterator[_Subscriber]:
        """Events from now on, for one stream; the channel ends when the shop stops (or the stream
        fell behind: then `dropped`)."""
        subscriber = _Subscriber()
        if self.closing.is_set():
            subscriber.send.close()
        else:
            self._subscribers.add(subscriber)
        try:
            yield subscriber
        finally:
            self._drop(subscriber)
            subscriber.receive.close()

    def close(self) -> None:
        """The shop is stopping: the watcher stops and every stream ends now."""
        self.closing.set()
        for subscriber in list(self._subscribers):
            self._drop(subscriber)


def register(app: QuartTrio, auth: Auth) -> LiveFeed:
    """Serve `/live` on `app`, and start the app's watcher when it starts serving."""
    live = LiveFeed(auth.store)
    # serve_web ends the streams at the shutdown trigger through this.
    app.extensions["shopkeeper.live"] = live

    async def live_after() -> int | str:
        # The layout writes this into every signed-in page (data-live-after), and live.js opens
        # /live?after=it: the events written between rendering the page and opening its stream are
        # then replayed, not lost. (Read as the page renders, after its own data.)
        try:
            return await auth.store.latest_shop_event_id()
        except StorageError:
            return ""

    app.jinja_env.globals["live_after"] = live_after

    @app.before_serving
    async def start_watcher() -> None:
        await app.nursery.start(live.run)

    @app.after_serving
    async def stop_watcher() -> None:
        # Quart gives background tasks a deadline rather than cancelling them: the watcher ends now.
        live.close()

    @auth.page("staff", "web.live")
    async def stream(visitor: Visitor) -> Response:
        token = request.cookies.get(SESSION_COOKIE, "")

        async def rights_now() -> Rights | None:
            # As every request is checked afresh, so is a stream, every RECHECK_SECONDS: signing out,
            # revoking or blocking ends it (None), and so does a change of what it may carry.
            try:
                session = await auth.store.web_session(token)
                if session is None:
                    return None
                access = await auth.store.authorize(session.user_id, "staff", "web.live", owner_id=auth.owner_id)
            except StorageError:
                return None
            return _rights(access.user, auth.owner_id) if isinstance(access, Granted) else None

        resume = _last_event_id()
        if isinstance(resume, Response):
            return resume
        rights = _rights(visitor.user, auth.owner_id)
        response = Response(_events(live, resume, rights, rights_now), status=200, content_type="text/event-stream")
        # Quart would end the stream after its response timeout; proxies (nginx) must not buffer it.
        response.timeout = None
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Accel-Buffering"] = "no"
        return response

    app.add_url_rule("/live", "live", stream, methods=["GET"])
    return live


def closing(app: QuartTrio) -> None:
    """End the app's event streams now (the shop is stopping); an app without /live has none."""
    live = app.extensions.get("shopkeeper.live")
    if isinstance(live, LiveFeed):
        live.close()


def _rights(user: UserRecord, owner_id: int) -> Rights:
    return visible_kinds(user, owner_id), shows_money(user, owner_id)


def _last_event_id() -> int | None | Response:
    """The id after which to resume (None: from now on), or a 400 naming what is wrong: the browser's
    Last-Event-ID when it reconnects, else `?after=`, the newest id when the page was rendered."""
    name = "Last-Event-ID"
    given = request.headers.get(name, "")
    if not given:
        name, given = "after", request.args.get("after", "")
    if not given:
        return None
    # isascii: "²".isdigit() is true, and int() refuses it.
    if not (given.isascii() and given.isdigit() and len(given) < 19):
        return _bad(name)
    return int(given)


def _bad(parameter: str) -> Response:
    return Response(f"bad parameter {parameter}: expected a number", status=400, content_type="text/plain; charset=utf-8")


async def _events(
    live: LiveFeed,
    resume: int | None,
    rights: Rights,
    rights_now: Callable[[], Awaitable[Rights | None]],
) -> AsyncIterator[bytes]:
    kinds, money = rights
    # The browser's last event id: an event whose id is not above it (one that committed late) goes
    # out without an `id:` line, which would move the browser's id back and replay what it had.
    newest = resume or 0
    # The first bytes open the stream at once in browsers and proxies; `retry` paces reconnecting.
    yield b": live\nretry: 3000\n\n"
    checked = trio.current_time()
    with live.subscribe() as subscriber:
        replayed: set[int] = set()
        if resume is not None:
            missed = await live.store.shop_events_after(resume, REPLAY_MAX + 1)
            if len(missed) > REPLAY_MAX:
                yield b"event: reload\ndata: {}\n\n"
                return
            for old in missed:
                replayed.add(old.id)
                if old.kind in kinds:
                    yield _message(old, money, with_id=old.id > newest)
                    newest = max(newest, old.id)
        while True:
            event = await _next_event(subscriber)
            if trio.current_time() - checked >= live.recheck_seconds:
                if await rights_now() != rights:
                    # The page reloads, and is refused, or shown with what its visitor may see now.
                    yield b"event: reload\ndata: {}\n\n"
                    return
                checked = trio.current_time()
            if event == "ended":
                if subscriber.dropped:
                    yield b"event: reload\ndata: {}\n\n"
                return
            if event == "quiet":
                yield b": keep-alive\n\n"
            elif event.id not in replayed and event.kind in kinds:
                yield _message(event, money, with_id=event.id > newest)
                newest = max(newest, event.id)


async def _next_event(subscriber: _Subscriber) -> ShopEventRecord | Literal["quiet", "ended"]:
    # A function of its own: the stream's generator must not yield inside a cancel scope.
    with trio.move_on_after(HEARTBEAT_SECONDS):
        try:
            return await subscriber.receive.receive()
        except trio.EndOfChannel:
            return "ended"
    return "quiet"


def _message(event: ShopEventRecord, money: bool, *, with_id: bool) -> bytes:
    data: dict[str, object] = {
        "id": event.id,
        "kind": event.kind,
        "summary": event.summary,
        "subject": event.subject,
        "user_id": event.user_id,
        "created_at": event.created_at.isoformat(),
    }
    if event.amount is not None and (money or event.kind not in MONEY_KINDS):
        data["amount"] = str(event.amount)
        data["currency"] = event.currency
    # The default event type ("message"), the kind in the data: the page's script need not know the kinds.
    line = b"id: %d\n" % event.id if with_id else b""
    return line + b"data: %s\n\n" % msgspec.json.encode(data)
