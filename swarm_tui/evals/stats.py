"""Intervals and summaries: Wilson for proportions, a percentile bootstrap for means,
nearest-rank percentiles, and the Pareto front of cost against quality."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from swarm_tui.domain.intervals import Z95, wilson

__all__ = ["Z95", "bootstrap_mean", "pareto_front", "percentile", "wilson"]

BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 0


def bootstrap_mean(values: Sequence[float]) -> tuple[float, float]:
    """A 95% percentile-bootstrap interval of the mean (2,000 resamples, a fixed seed so
    the same scores give the same interval); one value gives (it, it)."""
    if not values:
        return 0.0, 0.0
    if len(values) == 1:
        return float(values[0]), float(values[0])
    rng = random.Random(BOOTSTRAP_SEED)
    n = len(values)
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(BOOTSTRAP_RESAMPLES))
    return means[int(0.025 * BOOTSTRAP_RESAMPLES)], means[int(0.975 * BOOTSTRAP_RESAMPLES) - 1]


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile ``q`` (0..100); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def pareto_front(points: Sequence[tuple[str, float, float]]) -> list[str]:
    """Names of the points (name, cost, quality) no other point beats: none is as cheap or
    cheaper and as good or better with one of the two strictly. Ordered by cost."""
    front = []
    for name, cost, quality in points:
        beaten = any(
            c <= cost and q >= quality and (c < cost or q > quality)
            for other, c, q in points
            if other != name
        )
        if not beaten:
            front.append((cost, name))
    return [name for _, name in sorted(front)]
