"""How a consensus run goes: who answers, how answers are grouped, who votes and how, the
refinement rounds, who arbitrates, the fallback, the timeouts and the low-margin threshold.

A plain dataclass (the orchestrator builds it from the task and the role's settings); it
checks itself on creation and raises ``ValueError`` naming every problem.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from swarm_tui.core.consensus.normalize import GroupingConfig
from swarm_tui.core.consensus.tally import VotingMethod, WeightPolicy

__all__ = ["ArbiterConfig", "ConsensusConfig", "Fallback", "Mode", "models_from_mix"]

Fallback = Literal["highest_weight", "first_finished", "fail"]
Mode = Literal["consensus", "review"]


def models_from_mix(mix: Mapping[str, float], n: int) -> tuple[str, ...]:
    """``n`` models from a role's mix, heaviest first (ties: mix order); with more asked
    than the mix holds, the list repeats (the same model answering twice is self-consistency)."""
    ordered = sorted(mix, key=lambda ref: -mix[ref])
    if not ordered or n <= 0:
        return ()
    return tuple(ordered[i % len(ordered)] for i in range(n))


@dataclass(frozen=True, slots=True)
class ArbiterConfig:
    """The expert that settles ties and low margins: by task tag first (in the task's tag
    order), then by role, then the default model."""

    model: str | None = None
    by_role: Mapping[str, str] = field(default_factory=dict)
    by_tag: Mapping[str, str] = field(default_factory=dict)

    def pick(self, role: str | None, tags: Sequence[str] = ()) -> str | None:
        for tag in tags:
            if tag in self.by_tag:
                return self.by_tag[tag]
        if role is not None and role in self.by_role:
            return self.by_role[role]
        return self.model


@dataclass(frozen=True, slots=True)
class ConsensusConfig:
    models: tuple[str, ...] = ()
    """Explicit ``provider/model`` list; empty: ``n`` models from ``mix``."""
    n: int = 3
    mix: Mapping[str, float] = field(default_factory=dict)
    """The role's mix (also the weights of the ``mix`` policy and ``highest_weight``)."""
    mode: Mode = "consensus"
    grouping: GroupingConfig = field(default_factory=GroupingConfig)
    agreement: float = 1.0
    """Share of the answers the largest group needs for agreement without a vote
    (1.0: all of them)."""
    voting: VotingMethod = "plurality"
    voters: tuple[str, ...] | None = None
    """Who votes (review mode: who reviews); None: the answering models (each once)."""
    weights: WeightPolicy = "equal"
    record_weight: Callable[[str], float] | None = None
    """The ``record`` policy: each model's standing (e.g. from its votes won and scores)."""
    vote_concurrency: int = 1
    """Voters asked at once. 1 makes early stop save the most calls; more is faster."""
    rounds: int = 0
    """Refinement rounds before the vote (0: none)."""
    arbiter: ArbiterConfig | None = None
    human: bool = False
    """Ties and low margins the arbiter does not settle wait for the human."""
    fallback: Fallback = "highest_weight"
    """When voting fails or times out, or a tie has no one to settle it."""
    answer_timeout: float = 300.0
    """Seconds per candidate answer (and per revision)."""
    vote_timeout: float = 120.0
    """Seconds per vote, arbiter call or review."""
    voting_timeout: float | None = None
    """Seconds for the whole vote; None: only the per-vote bound."""
    margin: float = 0.0
    """Low-margin threshold (0..1 of the points cast): below it the arbiter or the human
    decides. 0: only exact ties."""
    ballot_chars: int = 6000
    """Longest candidate text put on a ballot (longer ones are cut)."""

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not self.models and (self.n < 1 or not self.mix):
            problems.append("needs models, or n >= 1 and a mix to take them from")
        if self.mode not in ("consensus", "review"):
            problems.append(f"mode must be consensus or review, not {self.mode!r}")
        if self.mode == "review" and len(self.resolve_models()) + len(self.voters or ()) < 2:
            problems.append("review mode needs an author and at least one reviewer")
        if not 0.0 < self.agreement <= 1.0:
            problems.append("agreement must be in (0, 1]")
        if not 0.0 <= self.margin < 1.0:
            problems.append("margin must be in [0, 1)")
        if self.weights == "record" and self.record_weight is None:
            problems.append("the 'record' weight policy needs record_weight")
        if self.grouping.method == "checker" and self.grouping.checker is None:
            problems.append("checker grouping needs grouping.checker")
        if self.vote_concurrency < 1 or self.rounds < 0 or self.ballot_chars < 1:
            problems.append("vote_concurrency >= 1, rounds >= 0 and ballot_chars >= 1")
        for name in ("answer_timeout", "vote_timeout"):
            if not getattr(self, name) > 0:
                problems.append(f"{name} must be > 0")
        if self.voting_timeout is not None and not self.voting_timeout > 0:
            problems.append("voting_timeout must be > 0")
        if problems:
            raise ValueError("consensus config: " + "; ".join(problems))

    def resolve_models(self) -> tuple[str, ...]:
        return self.models or models_from_mix(self.mix, self.n)
