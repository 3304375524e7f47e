"""The ledger's records of agent CLI children: one row per CLI process an attempt runs.

A row is written when the CLI starts and deleted when it exits. A row that outlives its
attempt (the orchestrator was killed) names a CLI that may still run: recovery reads it, and
``settle_child`` writes what became of it (on the attempt's error and in the event log,
``orphan_cli``) and deletes it, or keeps it for the host that started it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from typing import Any

from swarm_tui.domain.children import ChildProcess, ChildRecord
from swarm_tui.store.reader import Reader, marks
from swarm_tui.store.records import write_event_sync
from swarm_tui.store.writer import GroupWriter

__all__ = [
    "COLUMNS",
    "LEFT_SQL",
    "NOTE_SQL",
    "ChildRecords",
    "child_event",
    "child_from_row",
    "child_values",
]

COLUMNS = "attempt_id, pid, task_id, pgid, host, owner, started, command, created_at"

NOTE_SQL = (
    "UPDATE attempts SET error = CASE WHEN error IS NULL OR error = '' THEN CAST({p} AS TEXT)"
    " ELSE error || '; ' || CAST({p} AS TEXT) END WHERE id = {p}"
)
"""Add a note to an attempt's error (``{p}``: the dialect's placeholder)."""

LEFT_SQL = (
    f"SELECT {COLUMNS} FROM children c WHERE c.host = {{p}} AND NOT EXISTS"
    " (SELECT 1 FROM attempts a WHERE a.id = c.attempt_id AND a.state = 'running')"
    " ORDER BY c.attempt_id, c.pid"
)


def child_values(rec: ChildRecord) -> tuple[Any, ...]:
    c = rec.child
    return (rec.attempt_id, c.pid, rec.task_id, c.pgid, rec.host, rec.owner, c.started,
            c.command, rec.created_at)  # fmt: skip


def child_from_row(r: Any) -> ChildRecord:
    child = ChildProcess(int(r["pid"]), int(r["pgid"]), float(r["started"]), str(r["command"]))
    return ChildRecord(
        int(r["attempt_id"]), int(r["task_id"]), str(r["host"]), str(r["owner"]), child,
        float(r["created_at"]),
    )  # fmt: skip


def child_event(rec: ChildRecord, outcome: str, note: str) -> dict[str, Any]:
    """The ``orphan_cli`` event's fields."""
    c = rec.child
    return {"pid": c.pid, "pgid": c.pgid, "command": c.command, "host": rec.host,
            "owner": rec.owner, "outcome": outcome, "note": note}  # fmt: skip


class ChildRecords:
    def __init__(self, reader: Reader, writer: GroupWriter) -> None:
        self._rows = reader.rows
        self.writer = writer

    async def record_child(self, rec: ChildRecord) -> None:
        """Record a CLI child that just started (replacing a row of the same attempt and pid)."""
        values = child_values(rec)

        def op(conn: sqlite3.Connection) -> None:
            conn.execute(
                f"INSERT OR REPLACE INTO children ({COLUMNS}) VALUES ({marks(values)})", values
            )

        await self.writer.run_sync(op)

    async def clear_child(self, attempt_id: int, pid: int) -> None:
        """The child exited: forget it."""

        def op(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM children WHERE attempt_id = ? AND pid = ?", (attempt_id, pid))

        await self.writer.run_sync(op)

    async def children(self, attempt_ids: Collection[int]) -> list[ChildRecord]:
        """The recorded children of these attempts."""
        ids = sorted(set(attempt_ids))
        if not ids:
            return []
        rows = await self._rows(
            f"SELECT {COLUMNS} FROM children WHERE attempt_id IN ({marks(ids)})"
            " ORDER BY attempt_id, pid",
            ids,
        )
        return [child_from_row(r) for r in rows]

    async def children_left(self, host: str) -> list[ChildRecord]:
        """Children started on ``host`` whose attempt no longer runs (left by a killed run)."""
        rows = await self._rows(LEFT_SQL.format(p="?"), (host,))
        return [child_from_row(r) for r in rows]

    async def settle_child(
        self, rec: ChildRecord, outcome: str, note: str, now: float, *, keep: bool = False
    ) -> None:
        """Write what became of a child left by a gone attempt: ``note`` added to the attempt's
        error and an ``orphan_cli`` event (``outcome``: stopped, gone, not_ours, other_host);
        the row deleted unless ``keep`` (another host's child, left to that host)."""
        data = child_event(rec, outcome, note)

        def op(conn: sqlite3.Connection) -> None:
            conn.execute(NOTE_SQL.format(p="?"), (note, note, rec.attempt_id))
            write_event_sync(conn, now, "orphan_cli", rec.task_id, rec.attempt_id, data)
            if not keep:
                conn.execute(
                    "DELETE FROM children WHERE attempt_id = ? AND pid = ?",
                    (rec.attempt_id, rec.child.pid),
                )

        await self.writer.run_sync(op)
