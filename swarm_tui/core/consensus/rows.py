"""A consensus record as the ledger keeps it: the row, with each model's figures. Used by
the consensus runs and by settling a conflict (the bare-ledger ``decide`` too), so it loads
no provider or tool machinery."""

from __future__ import annotations

from swarm_tui.core.consensus import ConsensusRecord
from swarm_tui.store.consensus import ConsensusRow, ModelFigures

__all__ = ["model_figures", "row_of"]


def model_figures(record: ConsensusRecord) -> tuple[ModelFigures, ...]:
    """Per model: answers given and won, votes cast, review score and written reviews, cost."""
    figures: dict[str, dict[str, float]] = {}

    def add(model: str, **deltas: float) -> None:
        entry = figures.setdefault(model, {})
        for key, value in deltas.items():
            entry[key] = entry.get(key, 0) + value

    winners = set()
    if record.status == "decided" and record.winner is not None:
        winners = set(record.group(record.winner).members)
    for c in record.candidates:
        add(c.model, answers=int(c.ok), won=int(c.id in winners), cost_usd=c.cost)
    for v in record.votes:
        add(v.voter, votes=1, cost_usd=v.cost)
    if record.arbiter is not None:
        add(record.arbiter.model, votes=1, cost_usd=record.arbiter.cost)
    for r in record.reviews:
        add(r.reviewer, reviews=1, cost_usd=r.cost)
    out = []
    for model, f in sorted(figures.items()):
        out.append(
            ModelFigures(
                model,
                answers=int(f.get("answers", 0)),
                won=int(f.get("won", 0)),
                votes=int(f.get("votes", 0)),
                score=record.quality.get(model),
                reviews=int(f.get("reviews", 0)),
                cost_usd=f.get("cost_usd", 0.0),
            )
        )
    return tuple(out)


def row_of(task_id: int, attempt_id: int, record: ConsensusRecord) -> ConsensusRow:
    return ConsensusRow(
        task_id,
        attempt_id,
        record.mode,
        record.status,
        record.decided_by,
        record.winner,
        record.margin,
        record.cost,
        record.to_json(),
        model_figures(record),
    )
