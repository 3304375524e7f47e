"""The PostgreSQL ledger's read connection, shared by every part that reads (autocommit:
each read sees every commit before it).

A read on a broken connection (the server restarted, the network dropped) connects again and
is asked once more: a read changes nothing, so asking twice is safe. While the server cannot
be reached each read fails at once with a :class:`LedgerError` (no wait, no loop here: the
caller's own retry paces it), and the first read after it is back connects again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import psycopg

from swarm_tui.store.identity import LedgerError
from swarm_tui.store.pg.connect import PgConn, PgRow

__all__ = ["PgReader"]


class PgReader:
    def __init__(
        self,
        shown: str,
        conn: PgConn,
        reconnect: Callable[[], Awaitable[PgConn]] | None = None,
    ) -> None:
        self.shown = shown
        self.conn = conn
        self._reconnect = reconnect
        self._connecting = asyncio.Lock()
        self.reconnects = 0
        """Connections made again after the first (a restart of the server shows here)."""

    async def rows(self, sql: str, args: Sequence[Any] = ()) -> list[PgRow]:
        try:
            conn = await self.connection()
            try:
                return await _fetch(conn, sql, args)
            except psycopg.OperationalError:
                if not conn.closed or self._reconnect is None:
                    raise
            return await _fetch(await self.connection(), sql, args)  # once more, connected anew
        except psycopg.Error as exc:
            raise LedgerError(f"{self.shown}: cannot read: {_line(exc)}") from None

    async def connection(self) -> PgConn:
        """The read connection, connected again first when the last one broke (raises
        :class:`LedgerError` while the server cannot be reached)."""
        if self.conn.closed and self._reconnect is not None:
            async with self._connecting:  # reads at once: one connects, the others use it
                if self.conn.closed:
                    fresh = await self._reconnect()
                    with contextlib.suppress(Exception):
                        await self.conn.close()
                    self.conn = fresh
                    self.reconnects += 1
        return self.conn

    async def close(self) -> None:
        await self.conn.close()

    async def integrity_check(self) -> str:
        """``ok`` when the server answers and the schema is there (PostgreSQL checks its own
        pages; there is no ``PRAGMA integrity_check``)."""
        rows = await self.rows("SELECT COUNT(*) FROM schema_version")
        return "ok" if rows and int(rows[0][0]) > 0 else "no schema"


async def _fetch(conn: PgConn, sql: str, args: Sequence[Any]) -> list[PgRow]:
    cur = await conn.execute(sql, args)
    return await cur.fetchall()


def _line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
