"""`/`: where signing in lands. It says who is signed in, and how the shop is (webui.status)."""

from collections.abc import Callable

from quart import render_template
from quart_trio import QuartTrio

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
        return await render_template("overview.html", visitor=visitor, owner=owner, status=status)

    app.add_url_rule("/", "overview", overview, methods=["GET"])
