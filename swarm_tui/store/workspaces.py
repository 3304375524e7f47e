"""The ledger's records of coding tasks' workspaces: a row per attempt, its rounds and checks.

A row is written before its worktree is made (``opening``) and moved as the attempt goes
(``open``, ``needs_review``, ``merged``...). Refused paths are written to the event log
(``path_refused``) beside the tool call that asked.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from swarm_tui.domain.workspaces import CheckRun, RoundRecord, WorkspaceRow
from swarm_tui.store.reader import Reader, marks
from swarm_tui.store.records import write_event_sync
from swarm_tui.store.writer import GroupWriter

__all__ = ["WorkspaceRecords"]

_COLUMNS = (
    "task_id, attempt, project, path, branch, base, start_point, state, note, feedback,"
    " conflicts, merged, created_at, updated_at"
)


def _row(r: Any) -> WorkspaceRow:
    return WorkspaceRow(
        task_id=r["task_id"],
        attempt=r["attempt"],
        project=r["project"],
        path=r["path"],
        branch=r["branch"],
        base=r["base"],
        start_point=r["start_point"],
        state=r["state"],
        note=r["note"],
        feedback=r["feedback"],
        conflicts=tuple(json.loads(r["conflicts"])),
        merged=r["merged"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


class WorkspaceRecords:
    def __init__(self, reader: Reader, writer: GroupWriter) -> None:
        self._rows = reader.rows
        self.writer = writer

    async def save_workspace(self, row: WorkspaceRow) -> None:
        """Insert the attempt's row, or replace it (same task and attempt)."""

        def op(conn: sqlite3.Connection) -> None:
            conn.execute(
                f"INSERT OR REPLACE INTO workspaces ({_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    row.task_id,
                    row.attempt,
                    row.project,
                    row.path,
                    row.branch,
                    row.base,
                    row.start_point,
                    row.state,
                    row.note,
                    row.feedback,
                    json.dumps(list(row.conflicts)),
                    row.merged,
                    row.created_at,
                    row.updated_at,
                ),
            )

        await self.writer.run_sync(op)

    async def set_workspace(self, task_id: int, attempt: int, now: float, **fields: object) -> bool:
        """Change fields (``state``, ``note``, ``feedback``, ``conflicts``, ``merged``) of
        one attempt's row; False when there is no such row."""
        values = {
            k: json.dumps(list(v)) if isinstance(v, list | tuple) else v for k, v in fields.items()
        }
        sets = ", ".join(f"{k} = ?" for k in values)

        def op(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                f"UPDATE workspaces SET {sets}, updated_at = ? WHERE task_id = ? AND attempt = ?",
                (*values.values(), now, task_id, attempt),
            )
            return cur.rowcount > 0

        done: bool = await self.writer.run_sync(op)
        return done

    async def record_round(self, rec: RoundRecord, checks: Iterable[CheckRun]) -> None:
        """A round and its checks, in one transaction."""
        runs = list(checks)

        def op(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO workspace_rounds (task_id, attempt, round, commit_sha, files, added,"
                " removed, diffstat, passed, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    rec.task_id,
                    rec.attempt,
                    rec.round,
                    rec.commit,
                    rec.files,
                    rec.added,
                    rec.removed,
                    json.dumps([list(d) for d in rec.diffstat]),
                    None if rec.passed is None else int(rec.passed),
                    rec.ts,
                ),
            )
            conn.executemany(
                "INSERT INTO check_runs (task_id, attempt, round, name, command, exit_code,"
                " timed_out, duration_s, output, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        c.task_id,
                        c.attempt,
                        c.round,
                        c.name,
                        c.command,
                        c.exit_code,
                        int(c.timed_out),
                        c.duration_s,
                        c.output,
                        c.ts,
                    )
                    for c in runs
                ],
            )

        await self.writer.run_sync(op)

    async def record_refusal(
        self, task_id: int, attempt_id: int, tool: str, path: str, reason: str, now: float
    ) -> None:
        """A path an agent's tool call asked for and was refused (``path_refused`` event)."""

        def op(conn: sqlite3.Connection) -> None:
            data = {"tool": tool, "path": path, "reason": reason}
            write_event_sync(conn, now, "path_refused", task_id, attempt_id, data)

        await self.writer.run_sync(op)

    # ------------------------------------------------------------------ reads
    async def workspace_rows(
        self, task_id: int | None = None, states: Iterable[str] | None = None
    ) -> list[WorkspaceRow]:
        """Rows by task and attempt; only the newest attempt's row of each task unless
        ``task_id`` is given (then every attempt's)."""
        where: list[str] = []
        args: list[Any] = []
        if task_id is not None:
            where.append("w.task_id = ?")
            args.append(task_id)
        else:
            where.append(
                "w.attempt = (SELECT MAX(x.attempt) FROM workspaces x WHERE x.task_id = w.task_id)"
            )
        if states is not None:
            wanted = list(states)
            where.append(f"w.state IN ({marks(wanted) if wanted else 'NULL'})")
            args += wanted
        rows = await self._rows(
            f"SELECT {_COLUMNS} FROM workspaces w WHERE {' AND '.join(where)}"
            " ORDER BY w.task_id, w.attempt",
            args,
        )
        return [_row(r) for r in rows]

    async def workspace_of(self, task_id: int) -> WorkspaceRow | None:
        """The newest attempt's row of a task (None: it never had a workspace)."""
        rows = await self.workspace_rows(task_id)
        return rows[-1] if rows else None

    async def workspace_rounds(self, task_id: int) -> list[RoundRecord]:
        rows = await self._rows(
            "SELECT task_id, attempt, round, commit_sha, files, added, removed, diffstat,"
            " passed, ts FROM workspace_rounds WHERE task_id = ? ORDER BY attempt, round, id",
            (task_id,),
        )
        return [
            RoundRecord(
                r["task_id"],
                r["attempt"],
                r["round"],
                r["commit_sha"],
                r["files"],
                r["added"],
                r["removed"],
                tuple((str(p), a, d) for p, a, d in json.loads(r["diffstat"])),
                None if r["passed"] is None else bool(r["passed"]),
                r["ts"],
            )
            for r in rows
        ]

    async def check_runs(self, task_id: int) -> list[CheckRun]:
        rows = await self._rows(
            "SELECT task_id, attempt, round, name, command, exit_code, timed_out, duration_s,"
            " output, ts FROM check_runs WHERE task_id = ? ORDER BY attempt, round, id",
            (task_id,),
        )
        return [
            CheckRun(
                r["task_id"],
                r["attempt"],
                r["round"],
                r["name"],
                r["command"],
                r["exit_code"],
                bool(r["timed_out"]),
                r["duration_s"],
                r["output"],
                r["ts"],
            )
            for r in rows
        ]
