"""Rolling performance per ``provider/model``: success rate, latency, quality.

Routing multiplies a model's weight by a factor from these figures, kept within the bounds
the config sets (``[routing] performance_min`` .. ``performance_max``), and only once a model
has ``performance_min_samples`` attempts behind it. Quality scores (0..1) come from votes and
reviews through :meth:`Performance.record_quality` (the hook for consensus).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from swarm_tui.config import RoutingConfig

__all__ = ["Performance"]


@dataclass
class _Stats:
    outcomes: deque[tuple[bool, float | None]] = field(default_factory=deque)
    quality: deque[float] = field(default_factory=deque)


class Performance:
    def __init__(self, config: RoutingConfig) -> None:
        self.config = config
        self._stats: dict[str, _Stats] = {}

    def _get(self, ref: str) -> _Stats:
        return self._stats.setdefault(ref, _Stats())

    def record(self, ref: str, ok: bool, latency_ms: float | None) -> None:
        """One finished attempt (stopped ones say nothing about the model: leave them out)."""
        outcomes = self._get(ref).outcomes
        outcomes.append((ok, latency_ms))
        while len(outcomes) > self.config.performance_window:
            outcomes.popleft()

    def record_quality(self, ref: str, score: float) -> None:
        """A quality score in 0..1 for one answer of ``ref`` (votes, reviews)."""
        quality = self._get(ref).quality
        quality.append(min(1.0, max(0.0, score)))
        while len(quality) > self.config.performance_window:
            quality.popleft()

    def success_rate(self, ref: str) -> float | None:
        outcomes = self._get(ref).outcomes
        return sum(ok for ok, _ in outcomes) / len(outcomes) if outcomes else None

    def latency_ms(self, ref: str) -> float | None:
        known = [ms for _, ms in self._get(ref).outcomes if ms is not None]
        return sum(known) / len(known) if known else None

    def factor(self, ref: str, peers: list[str] | None = None) -> tuple[float, str]:
        """The weight factor for ``ref`` and a note; ``peers`` are the models it is compared
        with for latency (default: every model seen)."""
        stats = self._get(ref)
        if len(stats.outcomes) < self.config.performance_min_samples:
            return 1.0, ""
        success = self.success_rate(ref) or 0.0
        quality = sum(stats.quality) / len(stats.quality) if stats.quality else 1.0
        speed = 1.0
        mine = self.latency_ms(ref)
        others = [
            ms
            for p in (peers if peers is not None else list(self._stats))
            if len(self._get(p).outcomes) >= self.config.performance_min_samples
            and (ms := self.latency_ms(p)) is not None
        ]
        if mine and others:
            speed = math.sqrt((sum(others) / len(others)) / mine)
        raw = success * quality * speed
        low, high = self.config.performance_min, self.config.performance_max
        factor = min(high, max(low, raw))
        note = f"x{factor:.2f} for performance (success {success:.0%}"
        note += f", quality {quality:.2f}" if stats.quality else ""
        note += f", {mine:.0f} ms)" if mine else ")"
        return factor, note
