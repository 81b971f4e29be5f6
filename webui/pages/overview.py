"""`/`: where signing in lands. It says who is signed in, how the shop is (webui.status), and today's
figures (the dashboard's cards for today) to those allowed the shop's figures, which `/today/live`
serves alone, with the same check, for the page's live-update script to fetch again when the figures
change (as the dashboard's `/dashboard/live`)."""

from collections.abc import Callable
from datetime import UTC, datetime

from quart import Response, render_template
from quart_trio import QuartTrio

from storage import Permission, may
from webui.auth import Auth, Visitor
from webui.formatting import install_filters
from webui.health import HealthReport
from webui.pages.dashboard import LIVE_KINDS
from webui.status import ShopMode, shop_status


def register(app: QuartTrio, auth: Auth, health: Callable[[], HealthReport], mode: ShopMode) -> None:
    install_filters(app)

    @auth.page("staff", "web.overview")
    async def overview(visitor: Visitor) -> str:
        owner = visitor.user.id == auth.owner_id
        status = await shop_status(auth.store, health(), mode)
        # Revenue needs the statistics permission; visitor.user was read afresh for this request.
        allowed = may(visitor.user, Permission.STATISTICS, auth.owner_id)
        today = await auth.store.dashboard_kpis(datetime.now(UTC), 1) if allowed else None
        return await render_template(
            "overview.html", visitor=visitor, owner=owner, status=status, today=today, live_kinds=LIVE_KINDS
        )

    @auth.page(Permission.STATISTICS, "web.overview.today")
    async def today_live(visitor: Visitor) -> Response:
        today = await auth.store.dashboard_kpis(datetime.now(UTC), 1)
        response = Response(await render_template("today.html", today=today))
        # A fragment is fetched by a script: never served from a cache.
        response.headers["Cache-Control"] = "no-store"
        return response

    app.add_url_rule("/", "overview", overview, methods=["GET"])
    app.add_url_rule("/today/live", "today_live", today_live, methods=["GET"])
