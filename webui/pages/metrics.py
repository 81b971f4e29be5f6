"""`/metrics`: the figures of `/metrics/prometheus` as JSON, for a script or a page that reads them.

Like the Prometheus text, these are this process's figures (its prometheus_client registry), so the
answer names the process (host, pid, start time and version; webui.process): with several processes
each answers for itself. Who may read them is the same as for `/metrics/prometheus` (the bearer
token, or a staff session). A value JSON cannot hold (NaN, an infinity) is null.
"""

import math
from typing import Any

import msgspec
from prometheus_client import REGISTRY
from prometheus_client.registry import CollectorRegistry
from quart import Response
from quart_trio import QuartTrio

from webui.auth import Auth
from webui.process import this_process


def figures(registry: CollectorRegistry = REGISTRY) -> dict[str, Any]:
    """Every metric of `registry` with its samples, and the process they describe."""
    return {
        "process": msgspec.to_builtins(this_process(registry)),
        "metrics": [
            {
                "name": family.name,
                "type": family.type,
                "help": family.documentation,
                "samples": [
                    {"name": sample.name, "labels": sample.labels, "value": _finite(sample.value)} for sample in family.samples
                ],
            }
            for family in registry.collect()
        ],
    }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def register(app: QuartTrio, auth: Auth) -> None:
    async def metrics_json() -> Response | dict[str, Any]:
        if not await auth.may_scrape():
            return Response("sign in, or give the bearer token (web.metrics_token)", status=401, content_type="text/plain")
        return figures()

    app.add_url_rule("/metrics", "metrics_json", metrics_json, methods=["GET"])
