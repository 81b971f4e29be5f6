"""This process's figures as the pages read them: one snapshot of the prometheus_client registry, and
from it a histogram's percentiles, a counter's total, a gauge's value.

Percentiles come from the histogram's buckets the way Prometheus's histogram_quantile computes them:
linear within the bucket the rank falls in, so they are as fine as the buckets and no finer; a rank in
the last (+Inf) bucket is given as the highest finite bound.
"""

import math
from collections.abc import Iterator

import msgspec
from prometheus_client import REGISTRY
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import CollectorRegistry

type Labels = tuple[tuple[str, str], ...]


class Histo(msgspec.Struct, frozen=True, kw_only=True):
    """One histogram's (or one labelled child's) cumulative buckets: (upper bound, observations ≤ it)."""

    buckets: tuple[tuple[float, float], ...]
    total: float  # the sum of the observations

    @property
    def count(self) -> float:
        return self.buckets[-1][1] if self.buckets else 0.0

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    def quantile(self, q: float) -> float | None:
        """The `q` quantile (0 < q < 1) estimated from the buckets; None without observations."""
        if not self.count:
            return None
        rank = q * self.count
        lower, below = 0.0, 0.0
        for bound, cumulative in self.buckets:
            if cumulative >= rank:
                if math.isinf(bound):
                    return lower
                inside = cumulative - below
                return lower + (bound - lower) * ((rank - below) / inside if inside else 1.0)
            lower, below = bound, cumulative
        return lower

    def since(self, earlier: "Histo | None") -> "Histo":
        """The observations made after `earlier` (a former reading of the same histogram)."""
        if earlier is None or len(earlier.buckets) != len(self.buckets):
            return self
        return Histo(
            buckets=tuple(
                (bound, cumulative - before)
                for (bound, cumulative), (_, before) in zip(self.buckets, earlier.buckets, strict=True)
            ),
            total=self.total - earlier.total,
        )

    def per_bucket(self) -> Iterator[tuple[float, float]]:
        """(upper bound, observations in that bucket alone), lowest first."""
        below = 0.0
        for bound, cumulative in self.buckets:
            yield bound, cumulative - below
            below = cumulative


class Snapshot:
    """The registry's metric families, read once (reading collects every collector of the process)."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.families: dict[str, Metric] = {family.name: family for family in registry.collect()}

    def histograms(self, name: str) -> dict[Labels, Histo]:
        """Each labelled child of histogram `name` (one entry with no labels for a histogram without)."""
        family = self.families.get(name)
        if family is None:
            return {}
        buckets: dict[Labels, list[tuple[float, float]]] = {}
        totals: dict[Labels, float] = {}
        for sample in family.samples:
            labels = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "le"))
            if sample.name == f"{name}_bucket":
                buckets.setdefault(labels, []).append((float(sample.labels["le"]), sample.value))
            elif sample.name == f"{name}_sum":
                totals[labels] = sample.value
        return {labels: Histo(buckets=tuple(sorted(found)), total=totals.get(labels, 0.0)) for labels, found in buckets.items()}

    def histogram(self, name: str) -> Histo:
        """Histogram `name`'s children taken together (empty when it does not exist)."""
        children = list(self.histograms(name).values())
        if not children:
            return Histo(buckets=(), total=0.0)
        bounds = [bound for bound, _ in children[0].buckets]
        return Histo(
            buckets=tuple((bound, sum(child.buckets[i][1] for child in children)) for i, bound in enumerate(bounds)),
            total=sum(child.total for child in children),
        )

    def total(self, name: str, **labels: str) -> float:
        """Counter `name` (without its _total), summed over the children that have `labels`."""
        family = self.families.get(name)
        if family is None:
            return 0.0
        return sum(
            sample.value
            for sample in family.samples
            if sample.name == f"{name}_total" and all(sample.labels.get(k) == v for k, v in labels.items())
        )

    def value(self, name: str) -> float | None:
        """Gauge `name`'s value (its children's sum); None when it does not exist."""
        family = self.families.get(name)
        if family is None:
            return None
        return sum(sample.value for sample in family.samples if sample.name == name)
