"""Reads of tasks, their attempts, the event log and the queue view (``store/task_reads.py``
and ``store/task_rows.py`` in PostgreSQL's dialect), as the same domain models."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from swarm_tui.domain.models import Attempt, Task, TaskState
from swarm_tui.domain.reads import QueueStart
from swarm_tui.domain.task_row import TaskRow
from swarm_tui.store.pg.reader import PgReader
from swarm_tui.store.rows import attempt_from_row, task_from_row
from swarm_tui.store.task_rows import FINISHED, IN_HAND, task_row_from_row

__all__ = ["PG_TASK_SELECT", "PgTaskReads", "PgTaskRows"]

_SUMS = """
       (SELECT COALESCE(SUM(a.tokens_in), 0)::bigint FROM attempts a WHERE a.task_id = t.id)
           AS sum_in,
       (SELECT COALESCE(SUM(a.tokens_out), 0)::bigint FROM attempts a WHERE a.task_id = t.id)
           AS sum_out,
       (SELECT COALESCE(SUM(a.cost_usd), 0)::float8 FROM attempts a WHERE a.task_id = t.id)
           AS sum_cost,"""

PG_TASK_SELECT = f"""
SELECT t.*,
       (SELECT string_agg(dep_id::text, ',') FROM task_deps d WHERE d.task_id = t.id) AS deps,
{_SUMS}
       la.agent AS la_agent, la.provider AS la_provider, la.model AS la_model,
       la.finished_at AS la_finished_at
FROM tasks t
LEFT JOIN attempts la ON la.task_id = t.id AND la.number = t.attempts
"""

_ROW_SELECT = f"""
SELECT t.id, t.title, t.role, t.state, t.priority, t.tags, t.pin_agent, t.started_at,
       t.finished_at,
{_SUMS}
       la.agent, la.provider, la.model, t.held IS NOT NULL, la.finished_at
FROM tasks t
LEFT JOIN attempts la ON la.task_id = t.id AND la.number = t.attempts
"""


def _task(r: Any) -> Task:
    return task_from_row(r)


def _attempt(r: Any) -> Attempt:
    return attempt_from_row(r)


def _task_row(r: Any) -> TaskRow:
    return task_row_from_row(r)


class PgTaskReads:
    def __init__(self, reader: PgReader) -> None:
        self._rows = reader.rows

    async def get_task(self, task_id: int) -> Task | None:
        rows = await self._rows(PG_TASK_SELECT + " WHERE t.id = %s", (task_id,))
        return _task(rows[0]) if rows else None

    async def get_tasks(self, ids: Iterable[int]) -> list[Task]:
        wanted = sorted(set(ids))
        if not wanted:
            return []
        rows = await self._rows(PG_TASK_SELECT + " WHERE t.id = ANY(%s) ORDER BY t.id", (wanted,))
        return [_task(r) for r in rows]

    async def task_by_key(self, key: str) -> Task | None:
        rows = await self._rows(PG_TASK_SELECT + " WHERE t.key = %s", (key,))
        return _task(rows[0]) if rows else None

    async def list_tasks(self, states: Iterable[TaskState] | None = None) -> list[Task]:
        if states is None:
            rows = await self._rows(PG_TASK_SELECT + " ORDER BY t.id")
        else:
            wanted = [s.value for s in states]
            rows = await self._rows(
                PG_TASK_SELECT + " WHERE t.state = ANY(%s) ORDER BY t.id", (wanted,)
            )
        return [_task(r) for r in rows]

    async def ready_tasks(self, now: float, limit: int) -> list[Task]:
        """Queued tasks whose back-off has passed and whose dependencies all succeeded (a
        coding task's dependency on a task of the same project waiting for review counts:
        it starts from that task's branch)."""
        rows = await self._rows(
            PG_TASK_SELECT
            + """ WHERE t.state = 'queued' AND t.not_before <= %s AND NOT EXISTS (
                SELECT 1 FROM task_deps d JOIN tasks u ON u.id = d.dep_id
                WHERE d.task_id = t.id AND u.state != 'succeeded' AND NOT (
                    u.state = 'needs_review' AND u.project IS NOT NULL
                    AND t.project IS NOT NULL AND u.project = t.project))
              ORDER BY t.priority DESC, t.id LIMIT %s""",
            (now, limit),
        )
        return [_task(r) for r in rows]

    async def doomed_tasks(self) -> list[tuple[int, int, str]]:
        rows = await self._rows(
            """SELECT d.task_id, d.dep_id, u.state FROM task_deps d
               JOIN tasks t ON t.id = d.task_id JOIN tasks u ON u.id = d.dep_id
               WHERE t.state = 'queued' AND u.state IN ('failed', 'cancelled')"""
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def existing_ids(self, ids: Iterable[int]) -> set[int]:
        wanted = list(set(ids))
        if not wanted:
            return set()
        rows = await self._rows("SELECT id FROM tasks WHERE id = ANY(%s)", (wanted,))
        return {int(r[0]) for r in rows}

    async def existing_keys(self, keys: Iterable[str]) -> dict[str, int]:
        wanted = list(set(keys))
        if not wanted:
            return {}
        rows = await self._rows("SELECT key, id FROM tasks WHERE key = ANY(%s)", (wanted,))
        return {str(r[0]): int(r[1]) for r in rows}

    async def dep_results(self, task_id: int) -> list[tuple[int, str, str]]:
        rows = await self._rows(
            """SELECT u.id, u.title, COALESCE(u.result, '') FROM task_deps d
               JOIN tasks u ON u.id = d.dep_id WHERE d.task_id = %s ORDER BY u.id""",
            (task_id,),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def attempts(self, task_id: int) -> list[Attempt]:
        rows = await self._rows(
            "SELECT * FROM attempts WHERE task_id = %s ORDER BY number", (task_id,)
        )
        return [_attempt(r) for r in rows]

    async def attempts_by_id(self, ids: Iterable[int]) -> list[Attempt]:
        wanted = sorted(set(ids))
        if not wanted:
            return []
        rows = await self._rows("SELECT * FROM attempts WHERE id = ANY(%s) ORDER BY id", (wanted,))
        return [_attempt(r) for r in rows]

    async def running_attempts(self) -> list[Attempt]:
        rows = await self._rows("SELECT * FROM attempts WHERE state = 'running' ORDER BY id")
        return [_attempt(r) for r in rows]

    async def failed_attempts(self, task_id: int) -> int:
        rows = await self._rows(
            """SELECT COUNT(*) FROM attempts a JOIN tasks t ON t.id = a.task_id
               WHERE a.task_id = %s AND a.state = 'failed' AND a.number > t.retry_from""",
            (task_id,),
        )
        return int(rows[0][0])

    async def failed_by_model(self, task_id: int) -> dict[str, int]:
        rows = await self._rows(
            """SELECT a.provider || '/' || a.model, COUNT(*) FROM attempts a
               JOIN tasks t ON t.id = a.task_id
               WHERE a.task_id = %s AND a.state = 'failed' AND a.number > t.retry_from
               GROUP BY a.provider, a.model""",
            (task_id,),
        )
        return {str(r[0]): int(r[1]) for r in rows}

    async def events(self, task_id: int | None = None) -> list[tuple[str, int | None, str]]:
        sql = "SELECT kind, attempt_id, data FROM events"
        args: tuple[Any, ...] = ()
        if task_id is not None:
            sql, args = sql + " WHERE task_id = %s", (task_id,)
        return [(r[0], r[1], r[2]) for r in await self._rows(sql + " ORDER BY id", args)]


class PgTaskRows:
    def __init__(self, reader: PgReader) -> None:
        self._rows = reader.rows

    async def recent_task_rows(self, finished: int, queued: int) -> QueueStart:
        in_hand = await self._rows(
            _ROW_SELECT + " WHERE t.state = ANY(%s) ORDER BY t.id", (list(IN_HAND),)
        )
        first = await self.queued_task_rows(None, queued)
        done = await self._rows(
            _ROW_SELECT + " WHERE t.state = ANY(%s) ORDER BY t.id DESC LIMIT %s",
            (list(FINISHED), finished),
        )
        counts = await self._rows("SELECT state, COUNT(*) FROM tasks GROUP BY state")
        rows = [_task_row(r) for r in in_hand] + first
        rows += [_task_row(r) for r in done]
        last = (first[-1].priority, first[-1].id) if len(first) == queued and first else None
        return QueueStart(rows, {str(r[0]): int(r[1]) for r in counts}, last)

    async def queued_task_rows(self, after: tuple[int, int] | None, limit: int) -> list[TaskRow]:
        priority, task_id = after if after is not None else (2**62, 0)
        rows = await self._rows(
            _ROW_SELECT
            + """ WHERE t.state = 'queued' AND (t.priority < %s OR (t.priority = %s AND t.id > %s))
            ORDER BY t.priority DESC, t.id LIMIT %s""",
            (priority, priority, task_id, limit),
        )
        return [_task_row(r) for r in rows]

    async def older_task_rows(self, before_id: int, limit: int) -> list[TaskRow]:
        rows = await self._rows(
            _ROW_SELECT + " WHERE t.state = ANY(%s) AND t.id < %s ORDER BY t.id DESC LIMIT %s",
            (list(FINISHED), before_id, limit),
        )
        return [_task_row(r) for r in rows]
