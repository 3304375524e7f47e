"""Typed reads for views and ``report``, as ``Control`` offers them: plain dataclasses of
plain values (``domain/reads.py``, ``domain/models.py``, ``core/budget.Line``), read through
async calls, so the same calls can later be carried over a socket to an attached room.

No view holds the ledger, runs SQL or reads a column by position: they ask ``Control``.
"""

from __future__ import annotations

from collections.abc import Iterable

from swarm_tui.core.budget import Budget, Line
from swarm_tui.domain.models import Task
from swarm_tui.domain.reads import ReportFigures
from swarm_tui.store.ledger import Ledger

__all__ = ["budget_lines", "report_figures", "tasks_by_id"]


async def report_figures(ledger: Ledger, since: float | None) -> ReportFigures:
    """Every ended attempt (with its task's role) and consensus run since ``since``."""
    return await ledger.report_figures(since)


async def tasks_by_id(ledger: Ledger, ids: Iterable[int]) -> list[Task]:
    """Full tasks by id in one read, by id; ids that do not exist are left out."""
    return await ledger.get_tasks(ids)


async def budget_lines(budget: Budget) -> list[Line]:
    """Settled and reserved spend against every limit set (run, day, each limited agent)."""
    return budget.lines()
