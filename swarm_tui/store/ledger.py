"""The ledger: the one source of truth for tasks, attempts, usage and the event log.

Reads use their own connection (WAL lets them run beside the writer). Every write goes
through the :class:`GroupWriter` and is committed before the call returns.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from swarm_tui.domain.models import Attempt, Task, TaskState
from swarm_tui.store.changes import Changes, new_origin, tag_own
from swarm_tui.store.consensus import ConsensusRecords
from swarm_tui.store.db import LedgerError, connect
from swarm_tui.store.records import NewTask, Totals
from swarm_tui.store.rows import TASK_SELECT, attempt_from_row, task_from_row
from swarm_tui.store.task_rows import TaskRows
from swarm_tui.store.tools import ToolRecords
from swarm_tui.store.writer import GroupWriter
from swarm_tui.store.writes import LedgerWrites

__all__ = ["Ledger", "NewTask", "Totals"]


def _found(path: Path) -> tuple[bool, bool]:
    """Whether the ledger's folder, and a non-empty file at ``path``, are there already."""
    try:
        return path.parent.is_dir(), path.is_file() and path.stat().st_size > 0
    except OSError:
        return True, True  # cannot tell: say nothing rather than something wrong


class Ledger(LedgerWrites, ToolRecords, ConsensusRecords, TaskRows):
    def __init__(
        self, path: Path, write: aiosqlite.Connection, read: aiosqlite.Connection, interval: float
    ) -> None:
        self.path = path
        self._write = write
        self._read = read
        self.writer = GroupWriter(write, interval=interval)
        self.changes = Changes(read, path, new_origin())
        """The change feed (store/changes.py); this ledger's own writes carry its origin."""

    created: bool = False
    """This open made a new ledger file."""
    made_folder: bool = False
    """This open also made the ledger's folder."""

    @classmethod
    async def open(
        cls,
        path: Path,
        *,
        commit_interval: float = 0.05,
        readonly: bool = False,
        check: bool = False,
    ) -> Ledger:
        """Open (``readonly``: never create, migrate or write) the ledger at ``path``;
        ``check`` runs ``PRAGMA quick_check`` first and refuses a damaged file."""
        had_folder, had_file = _found(path)
        write = await connect(path, readonly=readonly, check=check)
        try:
            read = await connect(path, readonly=readonly)
        except LedgerError:
            await write.close()
            raise
        ledger = cls(path, write, read, commit_interval)
        if not readonly:
            try:
                await tag_own(write, ledger.changes.origin)
            except sqlite3.Error as exc:
                await read.close()
                await write.close()
                raise LedgerError(f"{path}: cannot open: {exc}") from None
        ledger.created, ledger.made_folder = not had_file, not had_folder
        ledger.writer.start()
        return ledger

    async def close(self) -> None:
        await self.writer.close()
        await self._read.close()
        await self._write.close()

    async def _write_op(self, op: Callable[[aiosqlite.Connection], Any]) -> Any:
        return await self.writer.run(op)

    # ---------------------------------------------------------------- reads
    async def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        # One hop: execute and fetch together. A cursor left open across an await would keep
        # its read snapshot on this shared connection, and other reads would see stale data.
        try:
            return list(await self._read.execute_fetchall(sql, args))
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.path}: cannot read: {exc}") from None

    async def get_task(self, task_id: int) -> Task | None:
        rows = await self._rows(TASK_SELECT + " WHERE t.id = ?", (task_id,))
        return task_from_row(rows[0]) if rows else None

    async def task_by_key(self, key: str) -> Task | None:
        rows = await self._rows(TASK_SELECT + " WHERE t.key = ?", (key,))
        return task_from_row(rows[0]) if rows else None

    async def list_tasks(self, states: Iterable[TaskState] | None = None) -> list[Task]:
        if states is None:
            rows = await self._rows(TASK_SELECT + " ORDER BY t.id")
        else:
            wanted = [s.value for s in states]
            marks = ",".join("?" * len(wanted))
            rows = await self._rows(
                TASK_SELECT + f" WHERE t.state IN ({marks}) ORDER BY t.id", wanted
            )
        return [task_from_row(r) for r in rows]

    async def ready_tasks(self, now: float, limit: int) -> list[Task]:
        """Queued tasks whose back-off has passed and whose dependencies all succeeded."""
        rows = await self._rows(
            TASK_SELECT
            + """ WHERE t.state = 'queued' AND t.not_before <= ? AND NOT EXISTS (
                SELECT 1 FROM task_deps d JOIN tasks u ON u.id = d.dep_id
                WHERE d.task_id = t.id AND u.state != 'succeeded')
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
        marks = ",".join("?" * len(wanted))
        rows = await self._rows(f"SELECT id FROM tasks WHERE id IN ({marks})", wanted)
        return {r[0] for r in rows}

    async def existing_keys(self, keys: Iterable[str]) -> dict[str, int]:
        wanted = list(set(keys))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = await self._rows(f"SELECT key, id FROM tasks WHERE key IN ({marks})", wanted)
        return {r[0]: r[1] for r in rows}

    async def attempts(self, task_id: int) -> list[Attempt]:
        rows = await self._rows(
            "SELECT * FROM attempts WHERE task_id = ? ORDER BY number", (task_id,)
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

    async def dep_results(self, task_id: int) -> list[tuple[int, str, str]]:
        rows = await self._rows(
            """SELECT u.id, u.title, COALESCE(u.result, '') FROM task_deps d
               JOIN tasks u ON u.id = d.dep_id WHERE d.task_id = ? ORDER BY u.id""",
            (task_id,),
        )
        return [(r[0], r[1], r[2]) for r in rows]

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

    async def flags(self) -> dict[str, str]:
        return {r[0]: r[1] for r in await self._rows("SELECT name, value FROM flags")}

    async def events(self, task_id: int | None = None) -> list[tuple[str, int | None, str]]:
        sql = "SELECT kind, attempt_id, data FROM events"
        args: tuple[Any, ...] = ()
        if task_id is not None:
            sql, args = sql + " WHERE task_id = ?", (task_id,)
        return [(r[0], r[1], r[2]) for r in await self._rows(sql + " ORDER BY id", args)]

    async def integrity_check(self) -> str:
        rows = await self._rows("PRAGMA integrity_check")
        return str(rows[0][0])

    async def data_version(self) -> int:
        """Changes when another connection (e.g. another process) commits."""
        rows = await self._rows("PRAGMA data_version")
        return int(rows[0][0])
