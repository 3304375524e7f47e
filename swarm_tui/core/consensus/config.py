"""How a consensus run goes: who answers, how answers are grouped, who votes and how, the
refinement rounds, who arbitrates, the fallback, the timeouts and the low-margin threshold.

The settings are ``[consensus]``'s (:class:`~swarm_tui.config.ConsensusSettings`, the one
config model and its defaults); :class:`ConsensusConfig` adds what one run brings (the role's
mix, the mode, the record weights), checks the whole on creation and raises ``ValueError``
naming every problem.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from swarm_tui.core.consensus.normalize import CheckerConfig, GroupingConfig
from swarm_tui.core.consensus.tally import VotingMethod, WeightPolicy

if TYPE_CHECKING:
    from swarm_tui.config import ConsensusSettings

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
    """One run's config: the role's ``[consensus]`` settings (the one config model, with
    its defaults, in :mod:`swarm_tui.config.consensus`) and what the run adds to them."""

    settings: ConsensusSettings = field(default_factory=lambda: _defaults())
    """The role's settings, its overrides applied."""
    mix: Mapping[str, float] = field(default_factory=dict)
    """The role's mix (where ``n`` models come from; the weights of the ``mix`` policy and
    ``highest_weight``)."""
    mode: Mode = "consensus"
    record_weight: Callable[[str], float] | None = None
    """The ``record`` policy: each model's standing (e.g. from its votes won and scores)."""

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not self.models and (self.n < 1 or not self.mix):
            problems.append("needs models, or n >= 1 and a mix to take them from")
        if self.mode not in ("consensus", "review"):
            problems.append(f"mode must be consensus or review, not {self.mode!r}")
        if self.mode == "review" and len(self.resolve_models()) + len(self.voters or ()) < 2:
            problems.append("review mode needs an author and at least one reviewer")
        if self.weights == "record" and self.record_weight is None:
            problems.append("the 'record' weight policy needs record_weight")
        if problems:
            raise ValueError("consensus config: " + "; ".join(problems))

    def resolve_models(self) -> tuple[str, ...]:
        return self.models or models_from_mix(self.mix, self.n)

    # What the engine reads, as the settings say it (their docstrings tell what each means).
    @property
    def models(self) -> tuple[str, ...]:
        return tuple(self.settings.models)

    @property
    def n(self) -> int:
        return self.settings.n

    @property
    def grouping(self) -> GroupingConfig:
        s = self.settings
        checker = None
        if s.checker:
            checker = CheckerConfig(tuple(s.checker), s.checker_timeout_s, s.checker_suffix)
        return GroupingConfig(s.grouping, s.similarity, checker)

    @property
    def agreement(self) -> float:
        return self.settings.agreement

    @property
    def voting(self) -> VotingMethod:
        return self.settings.voting

    @property
    def voters(self) -> tuple[str, ...] | None:
        """Who votes (review mode: who reviews); None: the answering models (each once)."""
        return tuple(self.settings.voters) or None

    @property
    def weights(self) -> WeightPolicy:
        return self.settings.weights

    @property
    def vote_concurrency(self) -> int:
        return self.settings.vote_concurrency

    @property
    def rounds(self) -> int:
        return self.settings.rounds

    @property
    def arbiter(self) -> ArbiterConfig | None:
        s = self.settings
        if not (s.arbiter or s.arbiter_by_role or s.arbiter_by_tag):
            return None
        return ArbiterConfig(s.arbiter, dict(s.arbiter_by_role), dict(s.arbiter_by_tag))

    @property
    def human(self) -> bool:
        return self.settings.human

    @property
    def fallback(self) -> Fallback:
        return self.settings.fallback

    @property
    def answer_timeout(self) -> float:
        return self.settings.answer_timeout_s

    @property
    def vote_timeout(self) -> float:
        return self.settings.vote_timeout_s

    @property
    def voting_timeout(self) -> float | None:
        return self.settings.voting_timeout_s

    @property
    def margin(self) -> float:
        return self.settings.margin

    @property
    def ballot_chars(self) -> int:
        return self.settings.ballot_chars


def _defaults() -> ConsensusSettings:
    """``[consensus]``'s defaults; the config models load only when a run needs them (reading
    a record, as ``swarm-tui decide`` does, needs none)."""
    from swarm_tui.config import ConsensusSettings

    return ConsensusSettings()
