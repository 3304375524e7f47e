"""Spend read back from the ledger: the settled cost budgets count and reports show.

Nothing here writes: budget reservations live in memory (see ``core/budget.py``); what was
spent is always the ``usage`` and ``attempts`` tables.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass, field
from typing import Any

from swarm_tui.store.ledger import Ledger

__all__ = ["Spent", "day_start", "read_spent", "rows"]


async def rows(ledger: Ledger, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of a read-only query on the ledger's read connection."""
    return [tuple(r) for r in await ledger._rows(sql, args)]


def day_start(now: float) -> float:
    """Unix time of the UTC midnight that began ``now``'s day."""
    day = time.gmtime(now)
    return float(calendar.timegm((day.tm_year, day.tm_mon, day.tm_mday, 0, 0, 0)))


@dataclass
class Spent:
    """Settled USD: this run (attempts of one owner), today (UTC, every run), per agent in
    this run."""

    run: float = 0.0
    day: float = 0.0
    by_agent: dict[str, float] = field(default_factory=dict)


async def read_spent(ledger: Ledger, owner: str, now: float) -> Spent:
    run = await rows(
        ledger,
        "SELECT agent, COALESCE(SUM(cost_usd), 0) FROM attempts WHERE owner = ? GROUP BY agent",
        (owner,),
    )
    day = await rows(
        ledger, "SELECT COALESCE(SUM(cost_usd), 0) FROM usage WHERE ts >= ?", (day_start(now),)
    )
    by_agent = {str(r[0]): float(r[1]) for r in run}
    return Spent(sum(by_agent.values()), float(day[0][0]), by_agent)
