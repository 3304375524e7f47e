"""Rolling performance per ``provider/model``: success rate, latency, quality.

Routing multiplies a model's weight by a factor from these figures, kept within the bounds
the config sets (``[routing] performance_min`` .. ``performance_max``), and only once a model
has ``performance_min_samples`` attempts behind it. Quality scores (0..1) come from votes and
reviews through :meth:`Performance.record_quality` (the hook for consensus), and per role
from measured evidence (:meth:`Performance.add_evidence`): eval results and shadow samples
(``core/quality_evidence.py``). Evidence counts once it holds ``performance_min_samples``
verdicts, even before the model has run here; the note then names it.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from swarm_tui.config import RoutingConfig

__all__ = ["Performance"]


@dataclass
class Evidence:
    """Measured verdicts for one role and model, by source (``eval``, ``shadow``)."""

    good: dict[str, float] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)

    def add(self, source: str, score: float) -> None:
        self.good[source] = self.good.get(source, 0.0) + min(1.0, max(0.0, score))
        self.total[source] = self.total.get(source, 0) + 1

    @property
    def n(self) -> int:
        return sum(self.total.values())

    @property
    def share(self) -> float:
        return sum(self.good.values()) / self.n if self.n else 1.0

    def words(self) -> str:
        return ", ".join(
            f"{source} {self.good[source]:g}/{n} good" for source, n in sorted(self.total.items())
        )


@dataclass
class _Stats:
    outcomes: deque[tuple[bool, float | None]] = field(default_factory=deque)
    quality: deque[float] = field(default_factory=deque)


class Performance:
    def __init__(self, config: RoutingConfig) -> None:
        self.config = config
        self._stats: dict[str, _Stats] = {}
        self._evidence: dict[tuple[str, str], Evidence] = {}

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

    def add_evidence(self, role: str, ref: str, source: str, score: float) -> None:
        """One measured verdict (0..1) on ``ref``'s answer in ``role``: an eval result (right,
        or a rubric score / 10) or a shadow sample (1 when judged as good as the baseline)."""
        self._evidence.setdefault((role, ref), Evidence()).add(source, score)

    def evidence(self, role: str, ref: str) -> Evidence | None:
        found = self._evidence.get((role, ref))
        if found is None or found.n < self.config.performance_min_samples:
            return None
        return found

    def success_rate(self, ref: str) -> float | None:
        outcomes = self._get(ref).outcomes
        return sum(ok for ok, _ in outcomes) / len(outcomes) if outcomes else None

    def latency_ms(self, ref: str) -> float | None:
        known = [ms for _, ms in self._get(ref).outcomes if ms is not None]
        return sum(known) / len(known) if known else None

    def factor(
        self, ref: str, peers: list[str] | None = None, role: str | None = None
    ) -> tuple[float, str]:
        """The weight factor for ``ref`` and a note; ``peers`` are the models it is compared
        with for latency (default: every model seen); ``role``: whose measured evidence
        (evals, shadow samples) counts in the quality."""
        stats = self._get(ref)
        evidence = self.evidence(role, ref) if role is not None else None
        enough = len(stats.outcomes) >= self.config.performance_min_samples
        if not enough and evidence is None:
            return 1.0, ""
        success = (self.success_rate(ref) or 0.0) if enough else 1.0
        votes = len(stats.quality)
        measured = evidence.n if evidence is not None else 0
        quality = 1.0
        if votes or measured:
            good = sum(stats.quality) + (evidence.share * measured if evidence else 0.0)
            quality = good / (votes + measured)
        speed = 1.0
        mine = self.latency_ms(ref) if enough else None
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
        parts = [f"success {success:.0%}"] if enough else []
        if votes or measured:
            parts.append(f"quality {quality:.2f}")
        if evidence is not None:
            parts.append(f"measured in {role}: {evidence.words()}")
        if mine:
            parts.append(f"{mine:.0f} ms")
        return factor, f"x{factor:.2f} for performance ({', '.join(parts)})"
