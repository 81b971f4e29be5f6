"""`/`: where signing in lands. It says who is signed in, how the shop is (webui.status), and today's
figures (the dashboard's cards for today) to those allowed the shop's figures."""

from collections.abc import Callable
from datetime import UTC, datetime

from quart import render_template
from quart_trio import QuartTrio

from storage import Permission, may
from webui.auth import Auth, Visitor
from webui.formatting import install_filters
from webui.health import HealthReport
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
        return await render_template("overview.html", visitor=visitor, owner=owner, status=status, today=today)

    app.add_url_rule("/", "overview", overview, methods=["GET"])
