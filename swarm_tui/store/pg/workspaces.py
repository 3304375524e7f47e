"""Coding tasks' workspaces, rounds and checks on PostgreSQL (``store/workspaces.py`` in
PostgreSQL's dialect): the same records."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from swarm_tui.domain.workspaces import CheckRun, RoundRecord, WorkspaceRow
from swarm_tui.store.pg.connect import PgConn
from swarm_tui.store.pg.reader import PgReader
from swarm_tui.store.pg.task_writes import pg_event
from swarm_tui.store.pg.writer import PgWriter
from swarm_tui.store.workspaces import _COLUMNS, _row

__all__ = ["PgWorkspaces"]


class PgWorkspaces:
    def __init__(self, reader: PgReader, writer: PgWriter) -> None:
        self._rows = reader.rows
        self.writer = writer

    async def save_workspace(self, row: WorkspaceRow) -> None:
        """Insert the attempt's row, or replace it (same task and attempt)."""

        async def op(conn: PgConn) -> None:
            await conn.execute(
                f"INSERT INTO workspaces ({_COLUMNS})"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (task_id, attempt) DO UPDATE SET project = excluded.project,"
                " path = excluded.path, branch = excluded.branch, base = excluded.base,"
                " start_point = excluded.start_point, state = excluded.state,"
                " note = excluded.note, feedback = excluded.feedback,"
                " conflicts = excluded.conflicts, merged = excluded.merged,"
                " created_at = excluded.created_at, updated_at = excluded.updated_at",
                (row.task_id, row.attempt, row.project, row.path, row.branch, row.base,
                 row.start_point, row.state, row.note, row.feedback,
                 json.dumps(list(row.conflicts)), row.merged, row.created_at, row.updated_at),
            )  # fmt: skip

        await self.writer.run(op)

    async def set_workspace(self, task_id: int, attempt: int, now: float, **fields: object) -> bool:
        """Change fields (``state``, ``note``, ``feedback``, ``conflicts``, ``merged``) of
        one attempt's row; False when there is no such row."""
        values = {
            k: json.dumps(list(v)) if isinstance(v, list | tuple) else v for k, v in fields.items()
        }
        sets = ", ".join(f"{k} = %s" for k in values)

        async def op(conn: PgConn) -> bool:
            cur = await conn.execute(
                f"UPDATE workspaces SET {sets}, updated_at = %s"
                " WHERE task_id = %s AND attempt = %s",
                (*values.values(), now, task_id, attempt),
            )
            return cur.rowcount > 0

        done: bool = await self.writer.run(op)
        return done

    async def record_round(self, rec: RoundRecord, checks: Iterable[CheckRun]) -> None:
        """A round and its checks, in one transaction."""
        runs = list(checks)

        async def op(conn: PgConn) -> None:
            await conn.execute(
                "INSERT INTO workspace_rounds (task_id, attempt, round, commit_sha, files, added,"
                " removed, diffstat, passed, ts) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (rec.task_id, rec.attempt, rec.round, rec.commit, rec.files, rec.added,
                 rec.removed, json.dumps([list(d) for d in rec.diffstat]),
                 None if rec.passed is None else int(rec.passed), rec.ts),
            )  # fmt: skip
            for c in runs:
                await conn.execute(
                    "INSERT INTO check_runs (task_id, attempt, round, name, command, exit_code,"
                    " timed_out, duration_s, output, ts)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (c.task_id, c.attempt, c.round, c.name, c.command, c.exit_code,
                     int(c.timed_out), c.duration_s, c.output, c.ts),
                )  # fmt: skip

        await self.writer.run(op)

    async def record_refusal(
        self, task_id: int, attempt_id: int, tool: str, path: str, reason: str, now: float
    ) -> None:
        """A path an agent's tool call asked for and was refused (``path_refused`` event)."""

        async def op(conn: PgConn) -> None:
            data = {"tool": tool, "path": path, "reason": reason}
            await pg_event(conn, now, "path_refused", task_id, attempt_id, data)

        await self.writer.run(op)

    async def workspace_rows(
        self, task_id: int | None = None, states: Iterable[str] | None = None
    ) -> list[WorkspaceRow]:
        """Rows by task and attempt; only the newest attempt's row of each task unless
        ``task_id`` is given (then every attempt's)."""
        where: list[str] = []
        args: list[Any] = []
        if task_id is not None:
            where.append("w.task_id = %s")
            args.append(task_id)
        else:
            where.append(
                "w.attempt = (SELECT MAX(x.attempt) FROM workspaces x WHERE x.task_id = w.task_id)"
            )
        if states is not None:
            where.append("w.state = ANY(%s)")
            args.append(list(states))
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
            " passed, ts FROM workspace_rounds WHERE task_id = %s ORDER BY attempt, round, id",
            (task_id,),
        )
        return [
            RoundRecord(
                r["task_id"], r["attempt"], r["round"], r["commit_sha"], r["files"], r["added"],
                r["removed"], tuple((str(p), a, d) for p, a, d in json.loads(r["diffstat"])),
                None if r["passed"] is None else bool(r["passed"]), r["ts"],
            )
            for r in rows
        ]  # fmt: skip

    async def check_runs(self, task_id: int) -> list[CheckRun]:
        rows = await self._rows(
            "SELECT task_id, attempt, round, name, command, exit_code, timed_out, duration_s,"
            " output, ts FROM check_runs WHERE task_id = %s ORDER BY attempt, round, id",
            (task_id,),
        )
        return [
            CheckRun(
                r["task_id"], r["attempt"], r["round"], r["name"], r["command"], r["exit_code"],
                bool(r["timed_out"]), r["duration_s"], r["output"], r["ts"],
            )
            for r in rows
        ]  # fmt: skip
