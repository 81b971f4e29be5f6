"""`/events`: the shop's business events (storage.feed), newest first, by kind or by user, one page
per query (keyset paging: `?before=<id>` is the next, older, page). Staff see the kinds of event
they may (webui.event_access: what the chat would show them), the amounts of purchases, payments
and refunds only those who may see the shop's figures (`statistics`, the owner); a kind they may
not see is refused (403, audited). The table's body is also where live.js puts new events as they
happen (webui.live)."""

from quart import Response, render_template, request
from quart_trio import QuartTrio

from storage import ShopEventKind, ShopEventRecord
from webui.auth import Auth, Visitor
from webui.event_access import KIND_NEEDS, shows_money, visible_kinds

PAGE_SIZE = 50
KINDS = tuple(ShopEventKind)


def register(app: QuartTrio, auth: Auth) -> None:
    @auth.page("staff", "web.events")
    async def events(visitor: Visitor) -> Response | str:
        kind = request.args.get("kind", "")
        if kind and kind not in KINDS:
            return _bad("kind", f"one of {', '.join(KINDS)}")
        numbers: dict[str, int | None] = {}
        for name in ("user", "before"):
            given = request.args.get(name, "")
            # isascii: "²".isdigit() is true, and int() refuses it.
            if given and not (given.isascii() and given.isdigit() and len(given) < 19):
                return _bad(name, "a number")
            numbers[name] = int(given) if given else None
        allowed = visible_kinds(visitor.user, auth.owner_id)
        if kind and ShopEventKind(kind) not in allowed:
            # Asked again through the auth layer, which audits the refusal and answers its 403 page.
            refused = await auth.visitor(KIND_NEEDS[ShopEventKind(kind)], f"web.events.{kind}")
            if isinstance(refused, Response):
                return refused
            allowed = visible_kinds(refused.user, auth.owner_id)
        page = await auth.store.shop_events_page(
            before=numbers["before"], kinds={ShopEventKind(kind)} if kind else allowed, user_id=numbers["user"], size=PAGE_SIZE
        )
        return await render_template(
            "events.html",
            visitor=visitor,
            page=page,
            kind=kind,
            kinds=[each for each in KINDS if each in allowed],
            user=numbers["user"],
            first=numbers["before"] is None,
            money=shows_money(visitor.user, auth.owner_id),
            link=link,
        )

    app.add_url_rule("/events", "events", events, methods=["GET"])


def link(event: ShopEventRecord) -> str | None:
    """Where a row leads: the events of the user it is about (a staff action's target), else of the
    user it concerns; a crash, the shop's status."""
    named, _, number = event.subject.partition(":")
    if named == "user" and number.isdigit():
        return f"/events?user={number}"
    if event.user_id is not None:
        return f"/events?user={event.user_id}"
    if event.kind == ShopEventKind.CRASH:
        return "/"
    return None


def _bad(parameter: str, expected: str) -> Response:
    return Response(f"bad parameter {parameter}: expected {expected}", status=400, content_type="text/plain; charset=utf-8")
