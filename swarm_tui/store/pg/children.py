"""Agent CLI children on PostgreSQL (``store/children.py`` in PostgreSQL's dialect): the same
records."""

from __future__ import annotations

from collections.abc import Collection

from swarm_tui.domain.children import ChildRecord
from swarm_tui.store.children import (
    COLUMNS,
    LEFT_SQL,
    NOTE_SQL,
    child_event,
    child_from_row,
    child_values,
)
from swarm_tui.store.pg.connect import PgConn
from swarm_tui.store.pg.reader import PgReader
from swarm_tui.store.pg.task_writes import pg_event
from swarm_tui.store.pg.writer import PgWriter

__all__ = ["PgChildren"]

_DELETE = "DELETE FROM children WHERE attempt_id = %s AND pid = %s"


class PgChildren:
    def __init__(self, reader: PgReader, writer: PgWriter) -> None:
        self._rows = reader.rows
        self.writer = writer

    async def record_child(self, rec: ChildRecord) -> None:
        """Record a CLI child that just started (replacing a row of the same attempt and pid)."""
        values = child_values(rec)
        marks = ", ".join(["%s"] * len(values))

        async def op(conn: PgConn) -> None:
            await conn.execute(
                f"INSERT INTO children ({COLUMNS}) VALUES ({marks})"
                " ON CONFLICT (attempt_id, pid) DO UPDATE SET task_id = excluded.task_id,"
                " pgid = excluded.pgid, host = excluded.host, owner = excluded.owner,"
                " started = excluded.started, command = excluded.command,"
                " created_at = excluded.created_at",
                values,
            )

        await self.writer.run(op)

    async def clear_child(self, attempt_id: int, pid: int) -> None:
        """The child exited: forget it."""

        async def op(conn: PgConn) -> None:
            await conn.execute(_DELETE, (attempt_id, pid))

        await self.writer.run(op)

    async def children(self, attempt_ids: Collection[int]) -> list[ChildRecord]:
        """The recorded children of these attempts."""
        ids = sorted(set(attempt_ids))
        if not ids:
            return []
        rows = await self._rows(
            f"SELECT {COLUMNS} FROM children WHERE attempt_id = ANY(%s) ORDER BY attempt_id, pid",
            (ids,),
        )
        return [child_from_row(r) for r in rows]

    async def children_left(self, host: str) -> list[ChildRecord]:
        """Children started on ``host`` whose attempt no longer runs (left by a killed run)."""
        rows = await self._rows(LEFT_SQL.format(p="%s"), (host,))
        return [child_from_row(r) for r in rows]

    async def settle_child(
        self, rec: ChildRecord, outcome: str, note: str, now: float, *, keep: bool = False
    ) -> None:
        """Write what became of a child left by a gone attempt: ``note`` added to the attempt's
        error and an ``orphan_cli`` event (``outcome``: stopped, gone, not_ours, other_host);
        the row deleted unless ``keep`` (another host's child, left to that host)."""
        data = child_event(rec, outcome, note)

        async def op(conn: PgConn) -> None:
            await conn.execute(NOTE_SQL.format(p="%s"), (note, note, rec.attempt_id))
            await pg_event(conn, now, "orphan_cli", rec.task_id, rec.attempt_id, data)
            if not keep:
                await conn.execute(_DELETE, (rec.attempt_id, rec.child.pid))

        await self.writer.run(op)
