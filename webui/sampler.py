"""The last hour of the shop's pace, for the latency-over-time chart: every SAMPLE_EVERY seconds a task
in the web app's nursery reads the update-to-answer histogram and keeps, for that interval alone, its
percentiles and the updates answered per second. The samples live in this process only (a ring of
KEEP): they start afresh with the process, like the registry they are read from."""

import time
from collections import deque

import msgspec
import trio
from prometheus_client import REGISTRY
from prometheus_client.registry import CollectorRegistry

from webui.figures import Histo, Snapshot

SAMPLE_EVERY = 10.0
KEEP = 360  # an hour of samples
# Measured from taking an update to its answer (actors.lanes); the handling alone is shopkeeper_update_seconds.
ANSWER_SECONDS = "shopkeeper_update_answer_seconds"


class Sample(msgspec.Struct, frozen=True, kw_only=True):
    at: float  # seconds since the epoch, at the interval's end
    per_second: float  # updates answered per second in the interval
    p50: float | None  # seconds; None when no update was answered in the interval
    p90: float | None
    p99: float | None


class Sampler:
    """Keeps the last `keep` samples. `run` samples until `stop`; supports nursery.start_soon."""

    def __init__(self, registry: CollectorRegistry = REGISTRY, *, every: float = SAMPLE_EVERY, keep: int = KEEP) -> None:
        self.registry = registry
        self.every = every
        self.samples: deque[Sample] = deque(maxlen=keep)
        self._last: Histo | None = None
        self._last_at = 0.0
        self._scope = trio.CancelScope()

    def sample(self) -> None:
        """Take one sample: what was answered since the previous one (the first only sets the start)."""
        now = trio.current_time()
        reading = Snapshot(self.registry).histogram(ANSWER_SECONDS)
        if self._last is not None and now > self._last_at:
            interval = reading.since(self._last)
            self.samples.append(
                Sample(
                    at=time.time(),
                    per_second=interval.count / (now - self._last_at),
                    p50=interval.quantile(0.5),
                    p90=interval.quantile(0.9),
                    p99=interval.quantile(0.99),
                )
            )
        self._last, self._last_at = reading, now

    async def run(self) -> None:
        with self._scope:
            while True:
                self.sample()
                await trio.sleep(self.every)

    def stop(self) -> None:
        """End `run` now (the app is shutting down: nothing waits for a sample)."""
        self._scope.cancel()
