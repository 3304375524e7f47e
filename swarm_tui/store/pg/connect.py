"""Open connections to a PostgreSQL ledger and bring its schema up to date.

Rows come back as :class:`PgRow`: a tuple that also answers by column name, like
``sqlite3.Row``, so the row mappers of ``store/rows.py`` serve both backends.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg.rows import RowMaker

from swarm_tui.store.identity import LedgerError
from swarm_tui.store.pg.schema import FEED_LOCK, PG_MIGRATIONS, PG_SCHEMA_VERSION
from swarm_tui.store.pg.url import PgTarget

__all__ = ["PgConn", "PgRow", "clock_offset", "migrate", "open_conn", "schema_version"]


class PgRow(tuple[Any, ...]):
    """A row by position (``r[0]``) or by column name (``r["id"]``)."""

    _names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def pg_row(cursor: Any) -> RowMaker[PgRow]:
    names: dict[str, int] = {}
    for i, column in enumerate(cursor.description or ()):
        names.setdefault(column.name, i)

    def make(values: Sequence[Any]) -> PgRow:
        row = PgRow(values)
        row._names = names
        return row

    return make


PgConn = psycopg.AsyncConnection[PgRow]


async def open_conn(target: PgTarget, *, readonly: bool = False, origin: int = 0) -> PgConn:
    """One autocommit connection (transactions are explicit); ``origin`` tags the changes
    its writes log (the ``swarm.origin`` setting the feed's triggers read)."""
    try:
        conn = await psycopg.AsyncConnection.connect(
            target.url, password=target.password(), autocommit=True, row_factory=pg_row,
            connect_timeout=15, application_name="swarm-tui",
        )  # fmt: skip
    except psycopg.Error as exc:
        raise LedgerError(f"{target.shown}: cannot connect: {_first_line(exc)}") from None
    try:
        if readonly:
            await conn.execute("SET default_transaction_read_only = on")
        if origin:
            await conn.execute(f"SET swarm.origin = '{int(origin)}'")
    except psycopg.Error as exc:
        await conn.close()
        raise LedgerError(f"{target.shown}: cannot open: {_first_line(exc)}") from None
    return conn


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


SKEW_IGNORED = 1.0
"""Seconds of clock difference below which a host's clock is taken as the server's (the
measure itself is off by up to a round trip; leases are tens of seconds)."""


async def clock_offset(conn: PgConn) -> float:
    """The server's clock minus this host's (seconds; 0 within :data:`SKEW_IGNORED`):
    leases are kept on the server's clock."""
    before = time.time()
    cur = await conn.execute("SELECT extract(epoch FROM clock_timestamp())::float8")
    row = await cur.fetchone()
    after = time.time()
    assert row is not None
    offset = float(row[0]) - (before + after) / 2
    return 0.0 if abs(offset) < SKEW_IGNORED else offset


async def schema_version(conn: PgConn) -> int | None:
    """The ledger's version; None: no ledger here (an empty database)."""
    cur = await conn.execute("SELECT to_regclass('schema_version') IS NOT NULL")
    row = await cur.fetchone()
    if row is None or not row[0]:
        return None
    cur = await conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
    row = await cur.fetchone()
    return int(row[0]) if row is not None else 0


async def _foreign_tables(conn: PgConn) -> list[str]:
    cur = await conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        " ORDER BY table_name"
    )
    return [str(r[0]) for r in await cur.fetchall()]


def _newer(shown: str, version: int) -> LedgerError:
    return LedgerError(
        f"{shown}: written by a newer swarm-tui (PostgreSQL schema v{version}; this version"
        f" knows up to v{PG_SCHEMA_VERSION}). Upgrade swarm-tui or point [storage] url"
        " at another database."
    )


async def check_readable(conn: PgConn, shown: str) -> None:
    """A read-only open reads the current schema only: it never migrates."""
    version = await schema_version(conn)
    if version is None:
        raise LedgerError(f"{shown}: no ledger here yet (swarm-tui submit or run creates it)")
    if version > PG_SCHEMA_VERSION:
        raise _newer(shown, version)
    if version < PG_SCHEMA_VERSION:
        raise LedgerError(
            f"{shown}: written by an older swarm-tui (schema v{version}, now"
            f" v{PG_SCHEMA_VERSION}); a read does not upgrade it: run swarm-tui run on it once"
        )


async def migrate(conn: PgConn, shown: str, now: Callable[[], float] = time.time) -> bool:
    """Apply the migrations the database lacks, each in one transaction, under the feed's
    lock (two hosts opening a new ledger at once never apply one twice). A database holding
    tables of something else is refused untouched. True: the ledger was created."""
    created = False
    try:
        while True:
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock(%s)", (FEED_LOCK,))
                version = await schema_version(conn)
                if version is None:
                    theirs = await _foreign_tables(conn)
                    if theirs:
                        shown_tables = ", ".join(theirs[:5]) + (", …" if len(theirs) > 5 else "")
                        raise LedgerError(
                            f"{shown}: not a swarm-tui ledger (tables {shown_tables}); left"
                            " untouched. Point [storage] url at an empty database"
                        )
                    await conn.execute(
                        "CREATE TABLE schema_version (version BIGINT PRIMARY KEY,"
                        " name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)"
                    )
                    version, created = 0, True
                if version > PG_SCHEMA_VERSION:
                    raise _newer(shown, version)
                if version == PG_SCHEMA_VERSION:
                    return created
                name, script = PG_MIGRATIONS[version]
                await conn.execute(script.encode())  # several statements: simple protocol
                await conn.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (%s, %s, %s)",
                    (version + 1, name, now()),
                )
    except psycopg.Error as exc:
        raise LedgerError(f"{shown}: migration failed: {_first_line(exc)}") from None
