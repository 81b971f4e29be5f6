"""`/notices`: what the signed-in staff member is told in the chat as it happens, the same choices as
the chat panel's My notices, saved through the same use case (storage.staff_notices.choose_notices:
checked by the staff-access layer and audited with the change). GET shows the form; POST saves it
(with the CSRF token, which webui.auth checks). A value the form never offers is answered 400 naming
its field, and nothing changes."""

from datetime import UTC, datetime

from quart import Response, render_template, request
from quart_trio import QuartTrio

from storage import NOTICE_KINDS, NOTICE_NEED, NoticeChoices, NoticeKind, Refused, may
from webui.auth import Auth, Visitor, refusal

LABELS: dict[NoticeKind, str] = {
    "sales": "Every sale",
    "digest": "A daily digest (the dashboard's figures)",
    "low_stock": "Low stock (an item's stock lasting fewer days than shop.low_stock_days)",
    "payments": "A payment stuck or refused",
    "disputes": "A dispute opened",
}
# What a ticked checkbox sends.
TICKED = "on"


class BadField(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


def register(app: QuartTrio, auth: Auth) -> None:
    def offered(visitor: Visitor) -> list[NoticeKind]:
        return [kind for kind in NOTICE_KINDS if may(visitor.user, NOTICE_NEED[kind], auth.owner_id)]

    async def form(visitor: Visitor, choices: NoticeChoices, *, saved: bool = False) -> str:
        kinds = [(kind, LABELS[kind]) for kind in offered(visitor)]
        return await render_template("notices.html", visitor=visitor, choices=choices, kinds=kinds, saved=saved)

    @auth.page("staff", "web.notices")
    async def show_notices(visitor: Visitor) -> str:
        return await form(visitor, await auth.store.notice_choices(visitor.user.id))

    @auth.page("staff", "web.notices.choose")
    async def save_notices(visitor: Visitor) -> Response | str:
        current = await auth.store.notice_choices(visitor.user.id)
        try:
            chosen = _read(await request.form, current)
        except BadField as error:
            return Response(str(error), status=400, content_type="text/plain; charset=utf-8")
        saved = await auth.store.choose_notices(visitor.user.id, chosen, owner_id=auth.owner_id, now=datetime.now(UTC))
        if isinstance(saved, Refused):  # a notice this person may not see: audited by the store
            return await refusal(403, "refused")
        return await form(visitor, saved, saved=True)

    app.add_url_rule("/notices", "notices", show_notices, methods=["GET"])
    app.add_url_rule("/notices", "save_notices", save_notices, methods=["POST"])


def _read(fields: dict[str, str], current: NoticeChoices) -> NoticeChoices:
    """The choices a form sends: a ticked box is on, one not sent is off; the hour stays as it was when
    the form has none (the digest is not offered). BadField for anything the form never sends."""
    for kind in NOTICE_KINDS:
        if fields.get(kind, TICKED) != TICKED:
            raise BadField(kind, f"a ticked box sends {TICKED!r}")
    hour = current.digest_hour
    if "digest_hour" in fields:
        given = fields["digest_hour"]
        if not given.isdigit() or not 0 <= int(given) <= 23:
            raise BadField("digest_hour", "a whole hour from 0 to 23 (UTC)")
        hour = int(given)
    on = {kind: kind in fields for kind in NOTICE_KINDS}
    return NoticeChoices(digest_hour=hour, **on)
