"""`/`: where signing in lands. It says who is signed in, and shows today's figures (the dashboard's
cards for today) to those allowed the shop's figures."""

from datetime import UTC, datetime

from quart import render_template
from quart_trio import QuartTrio

from storage import Permission, may
from webui.auth import Auth, Visitor


def register(app: QuartTrio, auth: Auth) -> None:
    @auth.page("staff", "web.overview")
    async def overview(visitor: Visitor) -> str:
        owner = visitor.user.id == auth.owner_id
        # Revenue needs the statistics permission; visitor.user was read afresh for this request.
        allowed = may(visitor.user, Permission.STATISTICS, auth.owner_id)
        today = await auth.store.dashboard_kpis(datetime.now(UTC), 1) if allowed else None
        return await render_template("overview.html", visitor=visitor, owner=owner, today=today)

    app.add_url_rule("/", "overview", overview, methods=["GET"])
