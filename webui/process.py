"""Which process the figures describe: every page of process figures (and /metrics) names it, since
with several processes behind one address each answers for itself alone."""

import os
import socket
import time
from importlib.metadata import PackageNotFoundError, version

import msgspec
from prometheus_client import REGISTRY
from prometheus_client.registry import CollectorRegistry

# When this module was first imported, early in the start: the start time where the platform gives
# prometheus_client none (process_start_time_seconds comes from /proc, on Linux only).
_IMPORTED = time.time()


def _version() -> str:
    try:
        return version("shopkeeper")
    except PackageNotFoundError:
        return "unknown"


VERSION = _version()


class ProcessInfo(msgspec.Struct, frozen=True, kw_only=True):
    host: str
    pid: int
    # Seconds since the epoch.
    started: float
    version: str

    @property
    def uptime(self) -> float:
        return max(0.0, time.time() - self.started)


def this_process(registry: CollectorRegistry = REGISTRY) -> ProcessInfo:
    started = registry.get_sample_value("process_start_time_seconds")
    return ProcessInfo(
        host=socket.gethostname(), pid=os.getpid(), started=started if started is not None else _IMPORTED, version=VERSION
    )
