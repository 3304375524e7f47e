"""Reads for the task queue view: slim rows (no prompt or result), the active tasks plus the
newest finished ones first, older history a page at a time.

A mixin of :class:`~swarm_tui.store.ledger.Ledger` (its read connection).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import aiosqlite

from swarm_tui.core.models import Task, TaskState
from swarm_tui.core.task_row import TaskRow
from swarm_tui.store.rows import TASK_SELECT, task_from_row

__all__ = ["FINISHED", "TaskRows"]

FINISHED = tuple(s.value for s in TaskState if s.terminal)
ACTIVE = tuple(s.value for s in TaskState if not s.terminal)
_IN_FINISHED = f"({','.join(repr(s) for s in FINISHED)})"
_IN_ACTIVE = f"({','.join(repr(s) for s in ACTIVE)})"

ROW_SELECT = """
SELECT t.id, t.title, t.role, t.state, t.priority, t.tags, t.pin_agent, t.started_at,
       t.finished_at,
       (SELECT COALESCE(SUM(a.tokens_in), 0) FROM attempts a WHERE a.task_id = t.id) AS sum_in,
       (SELECT COALESCE(SUM(a.tokens_out), 0) FROM attempts a WHERE a.task_id = t.id)
           AS sum_out,
       (SELECT COALESCE(SUM(a.cost_usd), 0) FROM attempts a WHERE a.task_id = t.id) AS sum_cost,
       la.agent, la.provider, la.model
FROM tasks t
LEFT JOIN attempts la ON la.task_id = t.id AND la.number = t.attempts
"""


def task_row_from_row(r: aiosqlite.Row) -> TaskRow:
    return TaskRow(
        r[0], r[1], r[2], TaskState(r[3]), r[4], tuple(json.loads(r[5])), r[6], r[7], r[8],
        r[9], r[10], r[11], r[12], r[13], r[14],
    )  # fmt: skip


class TaskRows:
    _rows: Callable[..., Any]

    async def get_tasks(self, ids: Iterable[int]) -> list[Task]:
        """Full tasks by id in one read (ids that do not exist are left out), by id."""
        wanted = sorted(set(ids))
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        rows = await self._rows(TASK_SELECT + f" WHERE t.id IN ({marks}) ORDER BY t.id", wanted)
        return [task_from_row(r) for r in rows]

    async def recent_task_rows(self, finished: int) -> tuple[list[TaskRow], int]:
        """Every task not yet finished and the newest ``finished`` finished ones (by id), and
        how many finished tasks the ledger holds in all."""
        active = await self._rows(ROW_SELECT + f" WHERE t.state IN {_IN_ACTIVE} ORDER BY t.id")
        # ``+t.state``: walk ids newest first and stop after ``finished`` (no sort of them all).
        done = await self._rows(
            ROW_SELECT + f" WHERE +t.state IN {_IN_FINISHED} ORDER BY t.id DESC LIMIT ?",
            (finished,),
        )
        count = await self._rows(f"SELECT COUNT(*) FROM tasks WHERE state IN {_IN_FINISHED}")
        rows = [task_row_from_row(r) for r in active] + [task_row_from_row(r) for r in done]
        return rows, int(count[0][0])

    async def older_task_rows(self, before_id: int, limit: int) -> list[TaskRow]:
        """Up to ``limit`` finished tasks older than ``before_id``, newest first."""
        rows = await self._rows(
            ROW_SELECT + f" WHERE +t.state IN {_IN_FINISHED} AND t.id < ?"
            " ORDER BY t.id DESC LIMIT ?",
            (before_id, limit),
        )
        return [task_row_from_row(r) for r in rows]
