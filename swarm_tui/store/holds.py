"""Budget holds in the ledger: admission that is exact across processes and hosts.

Before an attempt starts its worst case is *held* in ``budget_holds``, in the same write
transaction that claims it (SQLite: the writer's ``BEGIN IMMEDIATE``; PostgreSQL: every write
transaction takes the feed's advisory lock first), so two orchestrators on one ledger never
both admit against the same remaining budget. The check, in every limited scope: settled +
every live hold that counts there + this worst case <= the limit. ``day`` (UTC, every run,
every host) and ``task:ID`` count every owner's holds; ``run`` and ``role:NAME`` only the
claiming owner's.

A hold is keyed by its attempt and lives as long as the attempt runs: it is deleted in the
transaction that records the attempt's end (settled cost and released hold flip together),
and ``recover`` deletes the holds of the attempts it gives up (a dead owner's leases expire,
and its holds go with them). Only holds of running attempts count, so a hold left behind by
any other end is never counted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from swarm_tui.domain.budget_words import MARGIN, why_not_text

__all__ = [
    "LIVE",
    "SWEEP",
    "BudgetHold",
    "HoldAsk",
    "HoldBook",
    "HoldReads",
    "book_sync",
    "put_hold_sync",
]


@dataclass(eq=False, slots=True)
class HoldAsk:
    """A hold to take with a claim: the attempt's worst case and the limits it must fit
    (scope -> USD, only scopes with a limit: ``run``, ``day``, ``role:NAME``, ``task:ID``).
    The ledger sets ``why`` when it refuses the claim for the budget."""

    amount: float
    limits: Mapping[str, float]
    why: str | None = None


@dataclass(frozen=True, slots=True)
class BudgetHold:
    """One live hold: the attempt it is for, whose it is, how much."""

    attempt_id: int
    owner: str
    agent: str
    task_id: int
    amount: float
    created: float


@dataclass(slots=True)
class HoldBook:
    """Settled spend and live holds as one write transaction sees them, for one owner's
    claims; each admitted claim is added so the next claim of the batch counts it."""

    owner: str
    day: float = 0.0
    run_by_agent: dict[str, float] = field(default_factory=dict)
    by_task: dict[int, float] = field(default_factory=dict)
    holds: list[tuple[str, str, int, float]] = field(default_factory=list)
    """(owner, agent, task_id, amount) of every live hold."""

    def figures(self, scope: str, agent: str, task_id: int) -> tuple[float, float]:
        """(settled, held) in ``scope`` for a claim of ``agent`` on ``task_id``."""
        kind, _, name = scope.partition(":")
        mine = [h for h in self.holds if h[0] == self.owner]
        if kind == "day":
            return self.day, sum(h[3] for h in self.holds)
        if kind == "run":
            return sum(self.run_by_agent.values()), sum(h[3] for h in mine)
        if kind == "role":
            held = sum(h[3] for h in mine if h[1] == name)
            return self.run_by_agent.get(name, 0.0), held
        held = sum(h[3] for h in self.holds if h[2] == task_id)
        return self.by_task.get(task_id, 0.0), held

    def why_not(self, agent: str, task_id: int, ask: HoldAsk) -> str | None:
        """Why ``ask`` does not fit now (the first scope it does not fit), or None."""
        for scope, limit in ask.limits.items():
            kind, _, name = scope.partition(":")
            if not limit or (kind == "role" and name != agent):
                continue
            if kind == "task" and name != str(task_id):
                continue
            settled, held = self.figures(scope, agent, task_id)
            left = limit - MARGIN - settled - held
            if ask.amount > left:
                return why_not_text(scope, ask.amount, left)
        return None

    def add(self, agent: str, task_id: int, amount: float) -> None:
        self.holds.append((self.owner, agent, task_id, amount))


LIVE = """SELECT h.owner, h.agent, h.task_id, h.amount FROM budget_holds h
JOIN attempts a ON a.id = h.attempt_id WHERE a.state = 'running'"""
"""Every live hold (the same text in both dialects)."""

SWEEP = """DELETE FROM budget_holds WHERE attempt_id NOT IN
(SELECT id FROM attempts WHERE state = 'running')"""
"""Drop every hold whose attempt no longer runs (the same text in both dialects)."""


def book_sync(
    conn: sqlite3.Connection, owner: str, day_from: float, task_ids: Iterable[int]
) -> HoldBook:
    """The figures a batch of ``owner``'s claims is checked against, read in the writer's
    transaction."""
    book = HoldBook(owner)
    book.day = float(
        conn.execute(
            "SELECT COALESCE(SUM(cost_usd), 0) FROM usage WHERE ts >= ?", (day_from,)
        ).fetchone()[0]
    )
    rows = conn.execute(
        "SELECT agent, COALESCE(SUM(cost_usd), 0) FROM attempts WHERE owner = ? GROUP BY agent",
        (owner,),
    ).fetchall()
    book.run_by_agent = {str(r[0]): float(r[1]) for r in rows}
    ids = sorted({int(i) for i in task_ids})
    if ids:
        rows = conn.execute(
            "SELECT task_id, COALESCE(SUM(cost_usd), 0) FROM attempts"
            f" WHERE task_id IN ({','.join('?' * len(ids))}) GROUP BY task_id",
            ids,
        ).fetchall()
        book.by_task = {int(r[0]): float(r[1]) for r in rows}
    book.holds = [(str(r[0]), str(r[1]), int(r[2]), float(r[3])) for r in conn.execute(LIVE)]
    return book


def put_hold_sync(
    conn: sqlite3.Connection, attempt_id: int, owner: str, agent: str, task_id: int,
    amount: float, now: float,
) -> None:  # fmt: skip
    conn.execute(
        "INSERT INTO budget_holds (attempt_id, owner, agent, task_id, amount, created)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (attempt_id, owner, agent, task_id, amount, now),
    )


def hold_from_row(r: Any) -> BudgetHold:
    return BudgetHold(int(r[0]), str(r[1]), str(r[2]), int(r[3]), float(r[4]), float(r[5]))


class HoldReads:
    """The holds as the room and tests read them (the same SQL in both dialects)."""

    def __init__(self, rows: Callable[[str], Awaitable[Sequence[Any]]]) -> None:
        self._rows = rows

    async def budget_holds(self) -> list[BudgetHold]:
        """Every live hold (its attempt still runs), oldest first."""
        rows = await self._rows(
            "SELECT h.attempt_id, h.owner, h.agent, h.task_id, h.amount, h.created"
            " FROM budget_holds h JOIN attempts a ON a.id = h.attempt_id"
            " WHERE a.state = 'running' ORDER BY h.attempt_id"
        )
        return [hold_from_row(r) for r in rows]
