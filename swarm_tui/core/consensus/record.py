"""What a consensus run leaves behind: plain frozen dataclasses, JSON in and out.

A :class:`ConsensusRecord` holds every candidate (model, text, usage, cost), the groups the
answers fell into, each vote with its rationale and the ballot order that voter saw, the
arbiter's word, review scores, the decision, who decided it, the margin and what it all cost.
``to_json``/``from_json`` round-trip it exactly, for the ledger and for the voting pane.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from swarm_tui.providers.base import Usage

__all__ = [
    "Answer",
    "ArbiterRecord",
    "Candidate",
    "ConsensusRecord",
    "DecidedBy",
    "Group",
    "NeedsHuman",
    "Review",
    "RoundRecord",
    "Status",
    "VoteRecord",
]

DecidedBy = Literal["agreement", "vote", "arbiter", "human", "fallback", "review"]
Status = Literal["decided", "needs_human", "failed"]

SCHEMA = 1
"""Bumped when the JSON shape changes; ``from_json`` reads this version only."""


@dataclass(frozen=True, slots=True)
class Answer:
    """One model reply as the injected ``answer`` callable returns it."""

    text: str
    usage: Usage | None = None
    cost: float = 0.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """One model's answer (its final form after any refinement rounds)."""

    id: int
    """Position in the run's model list (stable; duplicates of one model differ here)."""
    model: str
    """``provider/model``."""
    text: str = ""
    usage: Usage | None = None
    cost: float = 0.0
    """Every call this candidate made (first answer and revisions)."""
    error: str | None = None
    """Why it has no answer (failed, timed out); None when it answered."""
    finished: int | None = None
    """Finish order of its first answer (0 = first); None when it failed."""
    group: str | None = None
    """Label of the group it fell into."""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class Group:
    """Candidates whose answers count as the same answer. Labels (A, B, ...) follow the
    candidates' order in the run, never their models."""

    label: str
    members: tuple[int, ...]
    """Candidate ids, in id order; the first one's text stands for the group."""
    text: str
    passed: bool | None = None
    """Checker grouping: whether the check passed; None for other methods."""


@dataclass(frozen=True, slots=True)
class RoundRecord:
    """One refinement round: each candidate's text after the round (None: it failed and kept
    its previous text)."""

    number: int
    texts: tuple[str | None, ...]
    changed: tuple[int, ...]
    """Candidate ids that revised their answer."""
    groups: int
    """How many groups the answers formed after the round."""


@dataclass(frozen=True, slots=True)
class VoteRecord:
    voter: str
    weight: float
    order: tuple[str, ...]
    """Group labels in the order this voter saw them (shown as A, B, C... in that order)."""
    choice: str | None = None
    """Group label voted for, translated back from the voter's own lettering."""
    ranking: tuple[str, ...] = ()
    rationale: str = ""
    raw: str = ""
    error: str | None = None
    """Why this vote does not count (call failed, timed out, reply unparsable)."""
    cost: float = 0.0


@dataclass(frozen=True, slots=True)
class ArbiterRecord:
    model: str
    order: tuple[str, ...]
    choice: str | None = None
    rationale: str = ""
    raw: str = ""
    error: str | None = None
    cost: float = 0.0


@dataclass(frozen=True, slots=True)
class Review:
    """Review mode: one reviewer's score of the author's answer."""

    reviewer: str
    score: int | None
    reason: str = ""
    raw: str = ""
    error: str | None = None
    cost: float = 0.0


@dataclass(frozen=True, slots=True)
class NeedsHuman:
    """The run could not settle it: the task should wait in ``needs_vote``."""

    contested: tuple[str, ...]
    """Group labels the human should choose between."""
    reason: str


@dataclass(frozen=True, slots=True)
class ConsensusRecord:
    mode: Literal["consensus", "review"]
    status: Status
    decision: str | None = None
    """The chosen answer's text; None when failed or waiting for the human."""
    winner: str | None = None
    """The chosen group's label (review mode: None)."""
    decided_by: DecidedBy | None = None
    margin: float | None = None
    """Vote margin: (first - second) / all weight cast, 0..1; None without a vote."""
    low_margin: bool = False
    reason: str = ""
    """One line on how the decision came about."""
    candidates: tuple[Candidate, ...] = ()
    groups: tuple[Group, ...] = ()
    rounds: tuple[RoundRecord, ...] = ()
    method: str = ""
    """Voting method used (plurality, borda); empty without a vote."""
    votes: tuple[VoteRecord, ...] = ()
    scores: dict[str, float] = field(default_factory=dict)
    """Weighted tally per group label."""
    skipped_voters: tuple[str, ...] = ()
    """Voters not asked because the outcome could no longer change (early stop)."""
    arbiter: ArbiterRecord | None = None
    needs_human: NeedsHuman | None = None
    reviews: tuple[Review, ...] = ()
    quality: dict[str, float] = field(default_factory=dict)
    """Review mode: mean score per answering model."""
    cost: float = 0.0
    """Everything the run spent: candidates, revisions, votes, arbiter, reviews."""

    def candidate(self, candidate_id: int) -> Candidate:
        return next(c for c in self.candidates if c.id == candidate_id)

    def group(self, label: str) -> Group:
        return next(g for g in self.groups if g.label == label)

    def votes_won(self) -> dict[str, int]:
        """Per model: 1 when one of its answers is in the winning group (for routing's quality
        score); every answering model appears, with 0 when it lost."""
        won: dict[str, int] = {c.model: 0 for c in self.candidates if c.ok}
        if self.winner is not None and self.status == "decided":
            for cid in self.group(self.winner).members:
                won[self.candidate(cid).model] = 1
        return won

    def to_json(self) -> str:
        return json.dumps({"schema": SCHEMA, **dataclasses.asdict(self)}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ConsensusRecord:
        data: dict[str, Any] = json.loads(text)
        if data.pop("schema", None) != SCHEMA:
            raise ValueError(f"not a consensus record of schema {SCHEMA}")

        def usage(value: dict[str, Any] | None) -> Usage | None:
            return None if value is None else Usage(**value)

        def tup(value: list[Any]) -> tuple[Any, ...]:
            return tuple(value)

        candidates = tuple(
            Candidate(**{**c, "usage": usage(c["usage"])}) for c in data.pop("candidates")
        )
        groups = tuple(Group(**{**g, "members": tup(g["members"])}) for g in data.pop("groups"))
        rounds = tuple(
            RoundRecord(**{**r, "texts": tup(r["texts"]), "changed": tup(r["changed"])})
            for r in data.pop("rounds")
        )
        votes = tuple(
            VoteRecord(**{**v, "order": tup(v["order"]), "ranking": tup(v["ranking"])})
            for v in data.pop("votes")
        )
        arb = data.pop("arbiter")
        arbiter = None if arb is None else ArbiterRecord(**{**arb, "order": tup(arb["order"])})
        nh = data.pop("needs_human")
        needs_human = (
            None if nh is None else NeedsHuman(contested=tup(nh["contested"]), reason=nh["reason"])
        )
        reviews = tuple(Review(**r) for r in data.pop("reviews"))
        skipped = tup(data.pop("skipped_voters"))
        return cls(
            **data,
            candidates=candidates,
            groups=groups,
            rounds=rounds,
            votes=votes,
            arbiter=arbiter,
            needs_human=needs_human,
            reviews=reviews,
            skipped_voters=skipped,
        )
