"""The PostgreSQL ledger's read connection, shared by every part that reads (autocommit:
each read sees every commit before it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from swarm_tui.store.identity import LedgerError
from swarm_tui.store.pg.connect import PgConn, PgRow

__all__ = ["PgReader"]


class PgReader:
    def __init__(self, shown: str, conn: PgConn) -> None:
        self.shown = shown
        self.conn = conn

    async def rows(self, sql: str, args: Sequence[Any] = ()) -> list[PgRow]:
        try:
            cur = await self.conn.execute(sql, args)
            return await cur.fetchall()
        except psycopg.Error as exc:
            text = str(exc).strip()
            line = text.splitlines()[0] if text else type(exc).__name__
            raise LedgerError(f"{self.shown}: cannot read: {line}") from None

    async def integrity_check(self) -> str:
        """``ok`` when the server answers and the schema is there (PostgreSQL checks its own
        pages; there is no ``PRAGMA integrity_check``)."""
        rows = await self.rows("SELECT COUNT(*) FROM schema_version")
        return "ok" if rows and int(rows[0][0]) > 0 else "no schema"
