"""`/performance` (staff): how fast this process answers, and where its time goes.

Every figure is this process's (its prometheus_client registry, read once per page: webui.figures),
and the page names the process. The metrics it reads are declared next to the code that moves them:
update to answer (actors.lanes) and handling (telegram.routing.dispatcher), Bot API calls
(telegram.client.api), store use cases (storage.bridge), lane and purchase queue depths, purchase
batch sizes (actors.purchases). The last hour's latency and pace come from the sampler's ring.
"""

import math

import msgspec
from quart import render_template
from quart_trio import QuartTrio

from webui.auth import Auth, Visitor
from webui.charts import latency_chart, pace_chart
from webui.figures import Histo, Snapshot
from webui.formatting import install_filters
from webui.process import this_process
from webui.sampler import ANSWER_SECONDS, Sampler


class Timing(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    timing: Histo
    failed: float = 0.0


class Depths(msgspec.Struct, frozen=True, kw_only=True):
    lane_updates: int
    lane_chats: int
    purchase_queue: int


def bot_api_calls(snapshot: Snapshot) -> list[Timing]:
    """Each Bot API method called, most called first, with its failed attempts (outcome not ok)."""
    rows = [
        Timing(
            name=method,
            timing=timing,
            failed=snapshot.total("shopkeeper_bot_api_requests", method=method)
            - snapshot.total("shopkeeper_bot_api_requests", method=method, outcome="ok"),
        )
        for method, timing in _by_label(snapshot, "shopkeeper_bot_api_request_seconds", "method")
    ]
    return sorted(rows, key=lambda row: row.timing.count, reverse=True)


def use_cases(snapshot: Snapshot) -> list[Timing]:
    """Each store use case run, the one that took the most time in all first."""
    rows = [Timing(name=name, timing=timing) for name, timing in _by_label(snapshot, "shopkeeper_use_case_seconds", "use_case")]
    return sorted(rows, key=lambda row: row.timing.total, reverse=True)


def _by_label(snapshot: Snapshot, histogram: str, label: str) -> list[tuple[str, Histo]]:
    return [(dict(labels).get(label, ""), timing) for labels, timing in snapshot.histograms(histogram).items() if timing.count]


def depths(snapshot: Snapshot) -> Depths:
    def gauge(name: str) -> int:
        return int(snapshot.value(name) or 0)

    return Depths(
        lane_updates=gauge("shopkeeper_lane_updates"),
        lane_chats=gauge("shopkeeper_lane_chats"),
        purchase_queue=gauge("shopkeeper_purchase_queue"),
    )


def batch_sizes(batches: Histo) -> list[tuple[str, float]]:
    """(size range, transactions) for each bucket that has some: "1", "2", "3–4", … "over 128"."""
    rows = []
    lower = 0.0
    for bound, count in batches.per_bucket():
        if count:
            if math.isinf(bound):
                label = f"over {lower:g}"
            elif bound - lower <= 1:
                label = f"{bound:g}"
            else:
                label = f"{lower + 1:g}–{bound:g}"
            rows.append((label, count))
        lower = bound
    return rows


def register(app: QuartTrio, auth: Auth, sampler: Sampler) -> None:
    install_filters(app)

    @auth.page("staff", "web.performance")
    async def performance(visitor: Visitor) -> str:
        snapshot = Snapshot(sampler.registry)
        samples = list(sampler.samples)
        batches = snapshot.histogram("shopkeeper_purchase_batch_size")
        return await render_template(
            "performance.html",
            visitor=visitor,
            process=this_process(sampler.registry),
            answer=snapshot.histogram(ANSWER_SECONDS),
            handling=snapshot.histogram("shopkeeper_update_seconds"),
            pace=samples[-1].per_second if samples else None,
            every=sampler.every,
            samples=samples,
            latency_chart=latency_chart(samples) if len(samples) >= 2 else "",
            pace_chart=pace_chart(samples) if len(samples) >= 2 else "",
            bot_api=bot_api_calls(snapshot),
            use_cases=use_cases(snapshot),
            depth=depths(snapshot),
            batches=batches,
            batch_sizes=batch_sizes(batches),
        )

    app.add_url_rule("/performance", "performance", performance, methods=["GET"])
