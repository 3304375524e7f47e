"""Measured quality for routing: eval results and shadow samples in the ledger, per role and
model, fed to :class:`~swarm_tui.core.performance.Performance` when an orchestrator starts
(the eval engine and the shadow sampler add new ones as they are measured)."""

from __future__ import annotations

from swarm_tui.core.performance import Performance
from swarm_tui.domain.evals import EvalResult, ShadowSample
from swarm_tui.store.ledger import Ledger

__all__ = ["eval_score", "load_evidence", "shadow_score"]


def eval_score(result: EvalResult) -> float | None:
    """1/0 for a right/wrong answer, a rubric score over 10; None when nothing was judged or
    the answer was not one model's (a consensus)."""
    if result.model is None or result.model.startswith("consensus/"):
        return None
    if result.passed is not None:
        return 1.0 if result.passed else 0.0
    return result.score / 10 if result.score is not None else None


def shadow_score(sample: ShadowSample) -> float | None:
    """1 when the live answer was judged as good as the baseline's or better, 0 when worse,
    None when undecided."""
    return {"better": 1.0, "same": 1.0, "worse": 0.0}.get(sample.verdict)


async def load_evidence(ledger: Ledger, performance: Performance) -> int:
    """Feed every measured verdict in the ledger; returns how many."""
    count = 0
    for result in await ledger.eval_evidence():
        score = eval_score(result)
        if score is not None and result.role and result.model:
            performance.add_evidence(result.role, result.model, "eval", score)
            count += 1
    for sample in await ledger.shadow_samples():
        score = shadow_score(sample)
        if score is not None:
            performance.add_evidence(sample.role, sample.model, "shadow", score)
            count += 1
    return count
