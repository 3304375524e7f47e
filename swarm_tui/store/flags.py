"""Flags the operator sets (paused agents, the global pause, budget stops): one row each,
every change also in the event log."""

from __future__ import annotations

import sqlite3

from swarm_tui.store.reader import Reader
from swarm_tui.store.records import write_event_sync
from swarm_tui.store.writer import GroupWriter

__all__ = ["FlagRecords"]


class FlagRecords:
    def __init__(self, reader: Reader, writer: GroupWriter) -> None:
        self._rows = reader.rows
        self._writer = writer

    async def flags(self) -> dict[str, str]:
        return {r[0]: r[1] for r in await self._rows("SELECT name, value FROM flags")}

    async def set_flag(self, name: str, value: str | None, now: float) -> None:
        """Set ``name`` to ``value`` (None: clear it); durable when it returns."""

        def op(conn: sqlite3.Connection) -> None:
            if value is None:
                conn.execute("DELETE FROM flags WHERE name = ?", (name,))
            else:
                conn.execute(
                    "INSERT INTO flags (name, value) VALUES (?, ?) ON CONFLICT (name)"
                    " DO UPDATE SET value = excluded.value",
                    (name, value),
                )
            write_event_sync(conn, now, "flag", None, data={"name": name, "value": value})

        await self._writer.run_sync(op)
