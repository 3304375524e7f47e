"""The ledger's read connection, shared by every part that reads.

WAL lets these reads run beside the writer. Each read is one hop (execute and fetch
together): a cursor left open across an await would keep its read snapshot on this shared
connection, and other reads would see stale data.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from swarm_tui.store.db import LedgerError

__all__ = ["Reader", "marks"]


def marks(values: Sequence[object]) -> str:
    """``?,?,?``: one placeholder per value."""
    return ",".join("?" * len(values))


class Reader:
    def __init__(self, path: Path, conn: aiosqlite.Connection) -> None:
        self.path = path
        self._conn = conn

    async def rows(self, sql: str, args: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        try:
            return list(await self._conn.execute_fetchall(sql, args))
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.path}: cannot read: {exc}") from None

    async def integrity_check(self) -> str:
        rows = await self.rows("PRAGMA integrity_check")
        return str(rows[0][0])

    async def data_version(self) -> int:
        """Changes when another connection (e.g. another process) commits."""
        rows = await self.rows("PRAGMA data_version")
        return int(rows[0][0])
