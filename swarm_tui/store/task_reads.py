"""Reads of tasks, their attempts and the event log, as domain models."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from swarm_tui.domain.models import Attempt, Task, TaskState
from swarm_tui.store.reader import Reader, marks
from swarm_tui.store.rows import TASK_SELECT, attempt_from_row, task_from_row

__all__ = ["TaskReads"]


class TaskReads:
    def __init__(self, reader: Reader) -> None:
        self._rows = reader.rows

    async def get_task(self, task_id: int) -> Task | None:
        rows = await self._rows(TASK_SELECT + " WHERE t.id = ?", (task_id,))
        return task_from_row(rows[0]) if rows else None

    async def get_tasks(self, ids: Iterable[int]) -> list[Task]:
        """Full tasks by id in one read (ids that do not exist are left out), by id."""
        wanted = sorted(set(ids))
        if not wanted:
            return []
        rows = await self._rows(
            TASK_SELECT + f" WHERE t.id IN ({marks(wanted)}) ORDER BY t.id", wanted
        )
        return [task_from_row(r) for r in rows]

    async def task_by_key(self, key: str) -> Task | None:
        rows = await self._rows(TASK_SELECT + " WHERE t.key = ?", (key,))
        return task_from_row(rows[0]) if rows else None

    async def list_tasks(self, states: Iterable[TaskState] | None = None) -> list[Task]:
        if states is None:
            rows = await self._rows(TASK_SELECT + " ORDER BY t.id")
        else:
            wanted = [s.value for s in states]
            rows = await self._rows(
                TASK_SELECT + f" WHERE t.state IN ({marks(wanted)}) ORDER BY t.id", wanted
            )
        return [task_from_row(r) for r in rows]

    async def ready_tasks(self, now: float, limit: int) -> list[Task]:
        """Queued tasks whose back-off has passed and whose dependencies all succeeded (a
        coding task's dependency on a task of the same project waiting for review counts:
        it starts from that task's branch)."""
        rows = await self._rows(
            TASK_SELECT
            + """ WHERE t.state = 'queued' AND t.not_before <= ? AND NOT EXISTS (
                SELECT 1 FROM task_deps d JOIN tasks u ON u.id = d.dep_id
                WHERE d.task_id = t.id AND u.state != 'succeeded' AND NOT (
                    u.state = 'needs_review' AND u.project IS NOT NULL
                    AND t.project IS NOT NULL AND u.project = t.project))
              ORDER BY t.priority DESC, t.id LIMIT ?""",
            (now, limit),
        )
        return [task_from_row(r) for r in rows]

    async def doomed_tasks(self) -> list[tuple[int, int, str]]:
        """(task, dependency, its state) for queued tasks a dependency will never satisfy."""
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
        rows = await self._rows(f"SELECT id FROM tasks WHERE id IN ({marks(wanted)})", wanted)
        return {r[0] for r in rows}

    async def existing_keys(self, keys: Iterable[str]) -> dict[str, int]:
        wanted = list(set(keys))
        if not wanted:
            return {}
        rows = await self._rows(f"SELECT key, id FROM tasks WHERE key IN ({marks(wanted)})", wanted)
        return {r[0]: r[1] for r in rows}

    async def dep_results(self, task_id: int) -> list[tuple[int, str, str]]:
        rows = await self._rows(
            """SELECT u.id, u.title, COALESCE(u.result, '') FROM task_deps d
               JOIN tasks u ON u.id = d.dep_id WHERE d.task_id = ? ORDER BY u.id""",
            (task_id,),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    # ------------------------------------------------------------------ attempts
    async def attempts(self, task_id: int) -> list[Attempt]:
        rows = await self._rows(
            "SELECT * FROM attempts WHERE task_id = ? ORDER BY number", (task_id,)
        )
        return [attempt_from_row(r) for r in rows]

    async def attempts_by_id(self, ids: Iterable[int]) -> list[Attempt]:
        """Attempts by id in one read, by id (ids that do not exist are left out)."""
        wanted = sorted(set(ids))
        if not wanted:
            return []
        rows = await self._rows(
            f"SELECT * FROM attempts WHERE id IN ({marks(wanted)}) ORDER BY id", wanted
        )
        return [attempt_from_row(r) for r in rows]

    async def running_attempts(self) -> list[Attempt]:
        rows = await self._rows("SELECT * FROM attempts WHERE state = 'running' ORDER BY id")
        return [attempt_from_row(r) for r in rows]

    async def failed_attempts(self, task_id: int) -> int:
        rows = await self._rows(
            """SELECT COUNT(*) FROM attempts a JOIN tasks t ON t.id = a.task_id
               WHERE a.task_id = ? AND a.state = 'failed' AND a.number > t.retry_from""",
            (task_id,),
        )
        return int(rows[0][0])

    async def failed_by_model(self, task_id: int) -> dict[str, int]:
        """Failed attempts of a task per ``provider/model`` (since its last manual retry)."""
        rows = await self._rows(
            """SELECT a.provider || '/' || a.model, COUNT(*) FROM attempts a
               JOIN tasks t ON t.id = a.task_id
               WHERE a.task_id = ? AND a.state = 'failed' AND a.number > t.retry_from
               GROUP BY a.provider, a.model""",
            (task_id,),
        )
        return {str(r[0]): int(r[1]) for r in rows}

    # ------------------------------------------------------------------ event log
    async def events(self, task_id: int | None = None) -> list[tuple[str, int | None, str]]:
        sql = "SELECT kind, attempt_id, data FROM events"
        args: tuple[Any, ...] = ()
        if task_id is not None:
            sql, args = sql + " WHERE task_id = ?", (task_id,)
        return [(r[0], r[1], r[2]) for r in await self._rows(sql + " ORDER BY id", args)]
