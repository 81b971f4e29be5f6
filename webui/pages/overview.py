"""`/`: where signing in lands. For now it says who is signed in, and offers signing out."""

from quart import render_template
from quart_trio import QuartTrio

from webui.auth import Auth, Visitor


def register(app: QuartTrio, auth: Auth) -> None:
    @auth.page("staff", "web.overview")
    async def overview(visitor: Visitor) -> str:
        owner = visitor.user.id == auth.owner_id
        return await render_template("overview.html", visitor=visitor, owner=owner)

    app.add_url_rule("/", "overview", overview, methods=["GET"])
