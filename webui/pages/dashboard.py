"""`/dashboard`: how the shop is doing over a period (today, 7 or 30 days), for those allowed its figures.

The figures come from one store use case (storage.dashboard) and sit in one fragment
(dashboard_live.html) that `/dashboard/live` serves alone, with the same check: the page's live-update
script fetches it again when a purchase, payment, refund or registration happens and swaps it in.
`?period=` is today, 7d (the default) or 30d; `?runway_page=` pages the stock runway. Anything else
there is a 400 page naming the parameter. In webhook mode a line above the figures tells what Telegram
last said of the webhook (the health watcher's last answer: webui.health.WebhookHealth).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from quart import Response, render_template, request
from quart_trio import QuartTrio

from storage import Dashboard, Permission, Store
from webui.auth import Auth, Visitor
from webui.charts import day_chart
from webui.health import HealthReport

# ?period= → (days, its name on the tabs)
PERIODS = {"today": (1, "Today"), "7d": (7, "7 days"), "30d": (30, "30 days")}
DEFAULT_PERIOD = "7d"
RUNWAY_ROWS = 10
# A runway page past this is a mistake, not a shop: 10,000 pages of 10 items.
RUNWAY_PAGES = 10_000
# Events after which the figures change (see webui.live): the fragment is fetched again on these.
LIVE_KINDS = "purchase,payment,refund,registration"


@dataclass(frozen=True)
class BadParameter:
    name: str
    allowed: str


def _query() -> tuple[str, int] | BadParameter:
    period = request.args.get("period", DEFAULT_PERIOD)
    if period not in PERIODS:
        return BadParameter("period", ", ".join(PERIODS))
    page = request.args.get("runway_page", "1")
    if not (page.isascii() and page.isdigit() and 1 <= int(page) <= RUNWAY_PAGES):
        return BadParameter("runway_page", f"a whole number from 1 to {RUNWAY_PAGES:,}")
    return period, int(page)


async def _bad(parameter: BadParameter, visitor: Visitor) -> Response:
    page = await render_template("bad_parameter.html", visitor=visitor, name=parameter.name, allowed=parameter.allowed)
    return Response(page, status=400)


async def figures(store: Store, period: str, runway_page: int) -> dict[str, Any]:
    """What the fragment shows: the store's figures for the period, and its charts."""
    days = PERIODS[period][0]
    found: Dashboard = await store.dashboard_figures(datetime.now(UTC), days, runway=RUNWAY_ROWS, runway_page=runway_page)
    dates = [day.day for day in found.days]
    return {
        "d": found,
        "period": period,
        "period_name": PERIODS[period][1],
        "runway_page": runway_page,
        "runway_rows": RUNWAY_ROWS,
        "revenue_chart": day_chart("Revenue per day", dates, [day.revenue for day in found.days]),
        "purchases_chart": day_chart("Purchases per day", dates, [day.purchases for day in found.days], line=True),
    }


def register(app: QuartTrio, auth: Auth, health: Callable[[], HealthReport]) -> None:
    @auth.page(Permission.STATISTICS, "web.dashboard")
    async def dashboard(visitor: Visitor) -> Response | str:
        query = _query()
        if isinstance(query, BadParameter):
            return await _bad(query, visitor)
        period, runway_page = query
        shown = await figures(auth.store, period, runway_page)
        # Webhook mode: whether Telegram can deliver, above the figures it explains (none come in otherwise).
        webhook = health().webhook
        return await render_template(
            "dashboard.html", visitor=visitor, periods=PERIODS, live_kinds=LIVE_KINDS, webhook=webhook, **shown
        )

    @auth.page(Permission.STATISTICS, "web.dashboard")
    async def dashboard_live(visitor: Visitor) -> Response | str:
        query = _query()
        if isinstance(query, BadParameter):
            return await _bad(query, visitor)
        period, runway_page = query
        response = Response(await render_template("dashboard_live.html", **await figures(auth.store, period, runway_page)))
        # A fragment is fetched by a script: never served from a cache.
        response.headers["Cache-Control"] = "no-store"
        return response

    app.add_url_rule("/dashboard", "dashboard", dashboard, methods=["GET"])
    app.add_url_rule("/dashboard/live", "dashboard_live", dashboard_live, methods=["GET"])
