"""`/errors` (staff): this process's recent errors by kind, from the error book (webui.error_book),
which kept them redacted. The page names the process: each process keeps a book of its own."""

from quart import render_template
from quart_trio import QuartTrio

from webui.auth import Auth, Visitor
from webui.error_book import ErrorBook
from webui.formatting import install_filters
from webui.process import this_process


def register(app: QuartTrio, auth: Auth, book: ErrorBook) -> None:
    install_filters(app)

    @auth.page("staff", "web.errors")
    async def errors(visitor: Visitor) -> str:
        return await render_template("errors.html", visitor=visitor, process=this_process(), kinds=book.kinds())

    app.add_url_rule("/errors", "errors", errors, methods=["GET"])
