"""The quart-trio web app: health and Prometheus metrics, served by hypercorn in the shop's nursery."""

import logging
from collections.abc import Awaitable, Callable

import hypercorn.config
import hypercorn.trio
import trio
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from quart import Response
from quart_trio import QuartTrio

from webui.config import WebSettings
from webui.health import HealthReport

log = logging.getLogger(__name__)


def create_app(health: Callable[[], HealthReport]) -> QuartTrio:
    """The app; `health` returns the current report (it is computed by the health watcher, not here)."""
    app = QuartTrio("shopkeeper")

    @app.get("/health")
    async def health_route() -> Response:
        report = health()
        return Response(report.to_json(), status=200 if report.ok else 503, content_type="application/json")

    @app.get("/metrics/prometheus")
    async def metrics_route() -> Response:
        return Response(generate_latest(REGISTRY), status=200, content_type=CONTENT_TYPE_LATEST)

    return app


async def serve_web(
    app: QuartTrio,
    settings: WebSettings,
    shutdown_trigger: Callable[[], Awaitable[None]],
    *,
    task_status: trio.TaskStatus[list[str]] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve `app` until `shutdown_trigger` returns. Supports the trio nursery start protocol:
    started with the bound addresses once the socket listens."""
    config = hypercorn.config.Config()
    config.bind = [f"{settings.host}:{settings.port}"]
    config.graceful_timeout = settings.graceful_timeout
    config.accesslog = None
    config.errorlog = log
    await hypercorn.trio.serve(app, config, shutdown_trigger=shutdown_trigger, task_status=task_status)
