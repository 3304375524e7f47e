"""What the ledger's typed reads return: plain frozen dataclasses of plain values (numbers,
strings, tuples, dicts of them), so the read API can be carried over a socket as it is.

Views and ``report`` read these through ``Control``; none of them holds the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass

from swarm_tui.domain.evals import ShadowSample
from swarm_tui.domain.task_row import TaskRow

__all__ = [
    "AttemptFigures",
    "ConsensusRow",
    "ModelFigures",
    "QueueStart",
    "ReportFigures",
    "Totals",
]


@dataclass(frozen=True, slots=True)
class Totals:
    """The whole ledger at a glance: tasks per state, tokens and cost of every attempt."""

    by_state: dict[str, int]
    tokens_in: int
    tokens_out: int
    cost_usd: float


@dataclass(frozen=True, slots=True)
class QueueStart:
    """What the queue view starts with."""

    rows: list[TaskRow]
    by_state: dict[str, int]
    """How many tasks the ledger holds per state (listed or not)."""
    queued_after: tuple[int, int] | None
    """(priority, id) of the last queued row when more queued tasks follow it, else None."""


@dataclass(frozen=True, slots=True)
class AttemptFigures:
    """What one ended attempt did, with the role of its task: one line of ``report``."""

    attempt_id: int
    task_id: int
    agent: str
    provider: str
    model: str
    role: str
    state: str
    """How it ended: ``succeeded``, ``failed``, ``stopped`` or ``abandoned``."""
    tokens_in: int | None
    tokens_out: int | None
    tokens_cached: int | None
    cost_usd: float
    ttft_ms: float | None
    duration_ms: float | None
    started_at: float
    usage_source: str
    """``reported``, ``estimated`` (its stream ended before usage came) or ``unknown``."""


@dataclass(frozen=True, slots=True)
class ModelFigures:
    """What one model did in one consensus or review run."""

    model: str
    answers: int = 0
    """Candidate answers it gave (the same model may answer more than once)."""
    won: int = 0
    """Of those, how many were in the winning group."""
    votes: int = 0
    """Votes (and arbiter calls) it cast."""
    score: float | None = None
    """Review mode: the mean score (1-10) its answer got; None when not reviewed."""
    reviews: int = 0
    """Review mode: reviews it wrote."""
    cost_usd: float = 0.0
    """What its calls in this run cost."""


@dataclass(frozen=True, slots=True)
class ConsensusRow:
    """The record of one task's consensus or review run, its decision in columns."""

    task_id: int
    attempt_id: int
    mode: str
    status: str
    """``decided``, ``needs_human`` or ``failed``."""
    decided_by: str | None
    winner: str | None
    margin: float | None
    cost_usd: float
    record: str
    """The record as JSON (see ``ConsensusRecord.to_json``)."""
    models: tuple[ModelFigures, ...] = ()
    updated_at: float = 0.0


@dataclass(frozen=True, slots=True)
class ReportFigures:
    """Everything ``report`` (and the cost pane) counts, read at once."""

    since: float | None
    attempts: tuple[AttemptFigures, ...]
    """Attempts that ended (not running) and started at or after ``since``, by id."""
    consensus: tuple[ConsensusRow, ...]
    """Consensus and review runs updated at or after ``since``, by task, with their models."""
    shadow: tuple[ShadowSample, ...] = ()
    """Shadow samples of live work taken at or after ``since``, by task."""
