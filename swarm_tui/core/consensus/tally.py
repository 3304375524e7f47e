"""Counting votes: weights by policy, plurality or Borda, margins, ties and early stop.

Weights (:func:`voter_weight`): ``equal`` (1 each), ``mix`` (the role's mix weight of the
voter's model; a voter outside the mix gets the mix's smallest weight), ``record`` (a
callable giving each model's standing, e.g. from its votes won and review scores).

Plurality gives the weight to the choice. Borda gives ``weight * (k - 1 - i)`` points to
the ``i``-th candidate of a ranking over ``k`` (unranked ones get nothing).

The margin is ``(first - second) / points cast`` (0..1). :meth:`Tally.settled` says whether
the outcome can no longer change: in the worst case every remaining voter gives the runner-up
(each challenger in turn) the most points a voter can and the leader none, and the leader
must still lead, by at least the low-margin threshold, so neither the winner nor the "low
margin" verdict can move.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from swarm_tui.core.consensus.ballot import Vote

__all__ = ["Outcome", "Tally", "VotingMethod", "WeightPolicy", "voter_weight"]

WeightPolicy = Literal["equal", "mix", "record"]
VotingMethod = Literal["plurality", "borda"]
_EPS = 1e-9


def voter_weight(
    model: str,
    policy: WeightPolicy,
    mix: Mapping[str, float] | None = None,
    record: Callable[[str], float] | None = None,
) -> float:
    if policy == "equal":
        return 1.0
    if policy == "mix":
        mix = mix or {}
        if model in mix:
            return max(0.0, float(mix[model]))
        return min(mix.values()) if mix else 1.0
    if record is None:
        raise ValueError("the 'record' weight policy needs a record callable")
    return max(0.0, float(record(model)))


@dataclass(frozen=True, slots=True)
class Outcome:
    winner: str | None
    """None when nothing was cast."""
    margin: float
    tie: bool
    low_margin: bool
    """Below the threshold (a tie is low margin too)."""
    contested: tuple[str, ...]
    """The leader and every label within the threshold of it (ties: the tied labels)."""
    scores: dict[str, float]


class Tally:
    def __init__(self, labels: Sequence[str], method: VotingMethod, threshold: float = 0.0):
        self.labels = tuple(labels)
        self.method = method
        self.threshold = threshold
        self.scores: dict[str, float] = dict.fromkeys(self.labels, 0.0)
        self.cast = 0.0
        self.counted = 0

    @property
    def _k(self) -> int:
        return len(self.labels)

    def _most_per_voter(self) -> tuple[float, float]:
        """(most points one unit of weight gives one label, most it gives in all)."""
        if self.method == "plurality":
            return 1.0, 1.0
        k = self._k
        return float(k - 1), k * (k - 1) / 2

    def add(self, vote: Vote, weight: float) -> None:
        """Count a vote given in group labels."""
        self.counted += 1
        if self.method == "plurality":
            self.scores[vote.choice] += weight
            self.cast += weight
            return
        for i, label in enumerate(vote.ranking):
            points = weight * (self._k - 1 - i)
            self.scores[label] += points
            self.cast += points

    def _standing(self) -> list[str]:
        return sorted(self.labels, key=lambda x: (-self.scores[x], self.labels.index(x)))

    def outcome(self) -> Outcome:
        ranked = self._standing()
        if not ranked or self.cast <= _EPS:
            return Outcome(None, 0.0, False, False, (), dict(self.scores))
        top = self.scores[ranked[0]]
        second = self.scores[ranked[1]] if len(ranked) > 1 else 0.0
        margin = (top - second) / self.cast
        tie = len(ranked) > 1 and top - second <= _EPS
        contested = tuple(
            x
            for x in ranked
            if top - self.scores[x] <= _EPS or (top - self.scores[x]) / self.cast < self.threshold
        )
        low = tie or margin < self.threshold
        winner = None if tie else ranked[0]
        return Outcome(winner, margin, tie, low, contested, dict(self.scores))

    def settled(self, remaining_weight: float) -> bool:
        """Whether no votes from voters of ``remaining_weight`` in all could change the
        winner or push the margin under the threshold."""
        ranked = self._standing()
        if len(ranked) < 2:
            return self.cast > _EPS
        if remaining_weight <= _EPS:
            return True
        one, total = self._most_per_voter()
        gain = remaining_weight * one
        cast = self.cast + remaining_weight * total
        leader = self.scores[ranked[0]]
        for challenger in ranked[1:]:
            lead = leader - (self.scores[challenger] + gain)
            if lead <= _EPS or lead / cast < self.threshold:
                return False
        return True
