"""Eval records as the ledger keeps them: a run, and one measured result per case,
configuration and repeat. Plain values, no I/O."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EvalResult", "EvalRunRow", "ShadowSample"]


@dataclass(frozen=True, slots=True)
class EvalRunRow:
    id: int
    name: str
    set_name: str
    set_digest: str
    configs: tuple[str, ...]
    repeat: int
    judge: str | None
    created_at: float


@dataclass(frozen=True, slots=True)
class EvalResult:
    run_id: int
    case_id: str
    config: str
    rep: int
    task_ids: tuple[int, ...]
    """The tasks that produced the answer (a cascade's stages in order)."""
    model: str | None
    """The ``provider/model`` of the final answer (a consensus: ``consensus``)."""
    role: str | None
    answer: str
    passed: bool | None
    """Right or wrong by a mechanical judge; None for a rubric (a score instead)."""
    score: float | None
    """A rubric's 1..10 score; None for a mechanical judge or a judge with no score."""
    reason: str
    escalated: bool
    cost_usd: float
    tokens_in: int
    tokens_out: int
    latency_ms: float | None
    created_at: float


@dataclass(frozen=True, slots=True)
class ShadowSample:
    task_id: int
    shadow_task_id: int | None
    role: str
    model: str
    baseline: str
    verdict: str
    """``pending``, ``better``, ``same`` (a tie both ways), ``worse`` or ``none`` (the two
    orders disagreed, or a judge gave no verdict)."""
    cost_usd: float
    created_at: float
