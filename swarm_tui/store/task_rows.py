"""Reads for the task queue view: slim rows (no prompt or result). It starts with the tasks in
hand (running, paused, waiting for a vote), the first queued ones in dispatch order and the
newest finished ones; the rest of the queue and older history come a page at a time.
"""

from __future__ import annotations

import json

import aiosqlite

from swarm_tui.domain.models import TaskState
from swarm_tui.domain.reads import QueueStart
from swarm_tui.domain.task_row import TaskRow
from swarm_tui.store.reader import Reader

__all__ = ["FINISHED", "QueueStart", "TaskRows"]

FINISHED = tuple(s.value for s in TaskState if s.terminal)
IN_HAND = tuple(s.value for s in TaskState if not s.terminal and s != TaskState.QUEUED)
_IN_FINISHED = f"({','.join(repr(s) for s in FINISHED)})"
_IN_HAND = f"({','.join(repr(s) for s in IN_HAND)})"
_QUEUED_AFTER = """ WHERE t.state = 'queued' AND (t.priority < ? OR (t.priority = ? AND t.id > ?))
    ORDER BY t.priority DESC, t.id LIMIT ?"""


ROW_SELECT = """
SELECT t.id, t.title, t.role, t.state, t.priority, t.tags, t.pin_agent, t.started_at,
       t.finished_at,
       (SELECT COALESCE(SUM(a.tokens_in), 0) FROM attempts a WHERE a.task_id = t.id) AS sum_in,
       (SELECT COALESCE(SUM(a.tokens_out), 0) FROM attempts a WHERE a.task_id = t.id)
           AS sum_out,
       (SELECT COALESCE(SUM(a.cost_usd), 0) FROM attempts a WHERE a.task_id = t.id) AS sum_cost,
       la.agent, la.provider, la.model, t.held IS NOT NULL, la.finished_at
FROM tasks t
LEFT JOIN attempts la ON la.task_id = t.id AND la.number = t.attempts
"""


def task_row_from_row(r: aiosqlite.Row) -> TaskRow:
    return TaskRow(
        r[0], r[1], r[2], TaskState(r[3]), r[4], tuple(json.loads(r[5])), r[6], r[7], r[8],
        r[9], r[10], r[11], r[12], r[13], r[14], bool(r[15]), r[16],
    )  # fmt: skip


class TaskRows:
    def __init__(self, reader: Reader) -> None:
        self._rows = reader.rows

    async def recent_task_rows(self, finished: int, queued: int) -> QueueStart:
        """Every running, paused or voting task, the first ``queued`` queued ones (dispatch
        order) and the newest ``finished`` finished ones (by id), with the counts per state."""
        in_hand = await self._rows(ROW_SELECT + f" WHERE t.state IN {_IN_HAND} ORDER BY t.id")
        first = await self.queued_task_rows(None, queued)
        # ``+t.state``: walk ids newest first and stop after ``finished`` (no sort of them all).
        done = await self._rows(
            ROW_SELECT + f" WHERE +t.state IN {_IN_FINISHED} ORDER BY t.id DESC LIMIT ?",
            (finished,),
        )
        counts = await self._rows("SELECT state, COUNT(*) FROM tasks GROUP BY state")
        rows = [task_row_from_row(r) for r in in_hand] + first
        rows += [task_row_from_row(r) for r in done]
        last = (first[-1].priority, first[-1].id) if len(first) == queued and first else None
        return QueueStart(rows, {r[0]: int(r[1]) for r in counts}, last)

    async def queued_task_rows(self, after: tuple[int, int] | None, limit: int) -> list[TaskRow]:
        """Up to ``limit`` queued tasks in dispatch order (priority, then id) after ``after``
        (a ``(priority, id)`` from an earlier page; None: from the start)."""
        priority, task_id = after if after is not None else (2**62, 0)
        rows = await self._rows(ROW_SELECT + _QUEUED_AFTER, (priority, priority, task_id, limit))
        return [task_row_from_row(r) for r in rows]

    async def older_task_rows(self, before_id: int, limit: int) -> list[TaskRow]:
        """Up to ``limit`` finished tasks older than ``before_id``, newest first."""
        rows = await self._rows(
            ROW_SELECT + f" WHERE +t.state IN {_IN_FINISHED} AND t.id < ?"
            " ORDER BY t.id DESC LIMIT ?",
            (before_id, limit),
        )
        return [task_row_from_row(r) for r in rows]
