"""Spend read back from the ledger: the settled cost budgets count, the totals the status bar
shows and the figures ``report`` counts.

Nothing here writes: budget holds are written with the claims (``store/holds.py``); what was
spent is always the ``usage`` and ``attempts`` tables.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass, field
from typing import Protocol

from swarm_tui.domain.reads import AttemptFigures, ReportFigures, Totals
from swarm_tui.store.consensus import ConsensusRecords
from swarm_tui.store.evals import EvalRecords
from swarm_tui.store.reader import Reader

__all__ = ["HELD_ELSEWHERE", "SpendReads", "Spent", "day_start", "read_spent"]

_ENDED_ATTEMPTS = """
SELECT a.id, a.task_id, a.agent, a.provider, a.model, t.role, a.state, a.tokens_in,
       a.tokens_out, a.tokens_cached, a.cost_usd, a.ttft_ms, a.duration_ms, a.started_at,
       a.usage_source
FROM attempts a JOIN tasks t ON t.id = a.task_id
WHERE a.state != 'running' AND a.started_at >= ? ORDER BY a.id"""


HELD_ELSEWHERE = """SELECT COALESCE(SUM(h.amount), 0) FROM budget_holds h
JOIN attempts a ON a.id = h.attempt_id WHERE a.state = 'running' AND h.owner != ?"""


def day_start(now: float) -> float:
    """Unix time of the UTC midnight that began ``now``'s day."""
    day = time.gmtime(now)
    return float(calendar.timegm((day.tm_year, day.tm_mon, day.tm_mday, 0, 0, 0)))


@dataclass
class Spent:
    """Settled USD: this run (attempts of one owner), today (UTC, every run), per agent in
    this run; and what every other owner (other runs, other hosts) holds for its running
    attempts, which counts in the swarm-wide scopes."""

    run: float = 0.0
    day: float = 0.0
    by_agent: dict[str, float] = field(default_factory=dict)
    held_elsewhere: float = 0.0


class SpendReads:
    def __init__(
        self, reader: Reader, consensus: ConsensusRecords, evals: EvalRecords | None = None
    ) -> None:
        self._rows = reader.rows
        self._consensus = consensus
        self._evals = evals

    async def totals(self) -> Totals:
        states = await self._rows("SELECT state, COUNT(*) FROM tasks GROUP BY state")
        usage = await self._rows(
            "SELECT COALESCE(SUM(tokens_in), 0), COALESCE(SUM(tokens_out), 0),"
            " COALESCE(SUM(cost_usd), 0) FROM attempts"
        )
        return Totals(
            by_state={r[0]: r[1] for r in states},
            tokens_in=int(usage[0][0]),
            tokens_out=int(usage[0][1]),
            cost_usd=float(usage[0][2]),
        )

    async def spent(self, owner: str, now: float) -> Spent:
        """What ``owner``'s run and today (UTC) cost, settled."""
        run = await self._rows(
            "SELECT agent, COALESCE(SUM(cost_usd), 0) FROM attempts WHERE owner = ? GROUP BY agent",
            (owner,),
        )
        day = await self._rows(
            "SELECT COALESCE(SUM(cost_usd), 0) FROM usage WHERE ts >= ?", (day_start(now),)
        )
        held = await self._rows(HELD_ELSEWHERE, (owner,))
        by_agent = {str(r[0]): float(r[1]) for r in run}
        return Spent(sum(by_agent.values()), float(day[0][0]), by_agent, float(held[0][0]))

    async def report_figures(self, since: float | None) -> ReportFigures:
        """The attempts that ended and the consensus runs since ``since`` (None: all)."""
        rows = await self._rows(_ENDED_ATTEMPTS, (since or 0.0,))
        attempts = tuple(
            AttemptFigures(
                attempt_id=int(r["id"]),
                task_id=int(r["task_id"]),
                agent=str(r["agent"]),
                provider=str(r["provider"]),
                model=str(r["model"]),
                role=str(r["role"]),
                state=str(r["state"]),
                tokens_in=r["tokens_in"],
                tokens_out=r["tokens_out"],
                tokens_cached=r["tokens_cached"],
                cost_usd=float(r["cost_usd"] or 0.0),
                ttft_ms=r["ttft_ms"],
                duration_ms=r["duration_ms"],
                started_at=float(r["started_at"]),
                usage_source=str(r["usage_source"]),
            )
            for r in rows
        )
        runs = await self._consensus.consensus_since(since or 0.0)
        shadow = await self._evals.shadow_samples(since) if self._evals is not None else []
        return ReportFigures(since, attempts, tuple(runs), tuple(shadow))


class _SpentSource(Protocol):
    async def spent(self, owner: str, now: float) -> Spent: ...


async def read_spent(ledger: _SpentSource, owner: str, now: float) -> Spent:
    """``ledger.spent(owner, now)``."""
    return await ledger.spent(owner, now)
