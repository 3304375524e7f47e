"""``swarm-tui ledger copy FROM TO``: a whole ledger from SQLite to PostgreSQL or back (or
between two of a kind), every table's rows with their ids, checked by counting.

Both ends are opened as ledgers first: FROM read-only (it must be at this version's schema),
TO created and migrated if new, and refused unless it is empty (no task, event or record in
any table). The rows are then read in one snapshot of FROM and written in one transaction on
TO; before that transaction commits, each table's count on TO is compared with FROM's, and any
difference undoes the whole copy. The change feed (``changes``) is not copied: it is a log of
recent writes for the readers of the moment, and TO's own triggers' rows from the copy are
cleared, so TO's readers begin at its newest change. Identity sequences on PostgreSQL are moved
past the copied ids.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import psycopg

from swarm_tui.store.identity import LedgerError
from swarm_tui.store.pg.schema import TABLES
from swarm_tui.store.pg.url import PgTarget

__all__ = ["CopyEnd", "TableCount", "copy_rows"]

FEED = "changes"
_SKIP = {FEED, "schema_version", "sqlite_sequence"}
_IDENTITY = {
    t: "id"
    for t in ("tasks", "attempts", "events", "usage", "tool_calls", "goals", "eval_runs",
              "workspaces", "workspace_rounds", "check_runs")
}  # fmt: skip


@dataclass(frozen=True)
class CopyEnd:
    """One end of a copy: a SQLite file or a PostgreSQL database."""

    path: Path | None = None
    target: PgTarget | None = None

    @property
    def shown(self) -> str:
        return self.target.shown if self.target is not None else str(self.path)


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    copied: int


class _Side(Protocol):
    mark: str

    def tables(self) -> list[str]: ...

    def columns(self, table: str) -> list[str]: ...

    def rows(self, table: str, columns: Sequence[str]) -> Iterator[Sequence[Any]]: ...

    def count(self, table: str) -> int: ...

    def execute(self, sql: str, args: Sequence[Any] = ()) -> None: ...

    def insert(self, table: str, columns: Sequence[str], rows: Iterator[Sequence[Any]]) -> None: ...


class _Sqlite:
    mark = "?"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def tables(self) -> list[str]:
        rows = self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return sorted(str(r[0]) for r in rows if str(r[0]) not in _SKIP)

    def columns(self, table: str) -> list[str]:
        return [str(r[1]) for r in self.conn.execute(f'PRAGMA table_info("{table}")')]

    def rows(self, table: str, columns: Sequence[str]) -> Iterator[Sequence[Any]]:
        cols = ", ".join(f'"{c}"' for c in columns)
        yield from self.conn.execute(f'SELECT {cols} FROM "{table}" ORDER BY rowid')

    def count(self, table: str) -> int:
        return int(self.conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])

    def execute(self, sql: str, args: Sequence[Any] = ()) -> None:
        self.conn.execute(sql, tuple(args))

    def insert(self, table: str, columns: Sequence[str], rows: Iterator[Sequence[Any]]) -> None:
        cols = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" * len(columns))
        self.conn.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)


class _Postgres:
    mark = "%s"

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def tables(self) -> list[str]:
        rows = self.conn.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        ).fetchall()
        return sorted(str(r[0]) for r in rows if str(r[0]) not in _SKIP)

    def columns(self, table: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
            " AND table_schema = current_schema() ORDER BY ordinal_position",
            (table,),
        ).fetchall()
        return [str(r[0]) for r in rows]

    def rows(self, table: str, columns: Sequence[str]) -> Iterator[Sequence[Any]]:
        cols = ", ".join(f'"{c}"' for c in columns)
        with self.conn.cursor(name=f"copy_{table}") as cur:  # server-side: a page at a time
            cur.itersize = 5_000
            cur.execute(f'SELECT {cols} FROM "{table}"')
            yield from cur

    def count(self, table: str) -> int:
        row = self.conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()
        return int(row[0]) if row else 0

    def execute(self, sql: str, args: Sequence[Any] = ()) -> None:
        self.conn.execute(sql.replace("?", "%s"), tuple(args))

    def insert(self, table: str, columns: Sequence[str], rows: Iterator[Sequence[Any]]) -> None:
        cols = ", ".join(f'"{c}"' for c in columns)
        with self.conn.cursor() as cur, cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        if table in _IDENTITY:
            key = _IDENTITY[table]
            self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{key}'),"
                f' GREATEST((SELECT MAX("{key}") FROM "{table}"), 1))'
            )


@contextmanager
def _side(end: CopyEnd, *, write: bool) -> Iterator[_Side]:
    """A plain connection to ``end``: FROM in one read snapshot, TO in one transaction
    (committed by the caller through ``commit``)."""
    if end.target is not None:
        try:
            conn = psycopg.connect(end.target.url, password=end.target.password())
        except psycopg.Error as exc:
            raise LedgerError(f"{end.shown}: cannot connect: {exc}") from None
        try:
            if not write:
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield _Postgres(conn)
        finally:
            conn.rollback()  # a committed copy committed already
            conn.close()
        return
    assert end.path is not None
    sconn = sqlite3.connect(end.path, isolation_level=None)
    try:
        sconn.execute("PRAGMA busy_timeout = 10000")
        sconn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        yield _Sqlite(sconn)
    finally:
        if sconn.in_transaction:
            sconn.execute("ROLLBACK")
        sconn.close()


def _commit(side: _Side) -> None:
    if isinstance(side, _Sqlite):
        side.conn.execute("COMMIT")
    else:
        assert isinstance(side, _Postgres)
        side.conn.commit()


def copy_rows(
    source: CopyEnd, dest: CopyEnd, progress: Callable[[str], None] = lambda _: None
) -> list[TableCount]:
    """Copy every table of ``source`` into the empty ledger ``dest`` (both open as ledgers
    at this version's schema already); the counts, checked. Raises :class:`LedgerError`
    (nothing written) when a table or column of ``source`` has no place in ``dest``, when
    ``dest`` is not empty, or when a count differs."""
    try:
        with _side(source, write=False) as src, _side(dest, write=True) as dst:
            return _copy(src, dst, source.shown, dest.shown, progress)
    except (sqlite3.Error, psycopg.Error) as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LedgerError(f"copy {source.shown} -> {dest.shown} failed: {text}") from None


def _copy(
    src: _Side, dst: _Side, src_name: str, dst_name: str, progress: Callable[[str], None]
) -> list[TableCount]:
    theirs, ours = src.tables(), set(dst.tables())
    unknown = [t for t in theirs if t not in ours]
    if unknown:
        raise LedgerError(
            f"{src_name}: tables {', '.join(unknown)} have no place in {dst_name} (a newer"
            " schema on one side); nothing was copied"
        )
    holding = {t: n for t in theirs if t in ours and (n := dst.count(t))}
    if holding:
        shown = ", ".join(f"{t} ({n})" for t, n in sorted(holding.items()))
        raise LedgerError(
            f"{dst_name}: not empty ({shown}); copy into a new ledger. Nothing was copied"
        )
    order = [t for t in TABLES if t in theirs] + [t for t in theirs if t not in TABLES]
    counts: list[TableCount] = []
    for table in order:
        columns = src.columns(table)
        missing = [c for c in columns if c not in set(dst.columns(table))]
        if missing:
            raise LedgerError(
                f"{dst_name}: table {table} has no column {', '.join(missing)}; nothing was copied"
            )
        expected = src.count(table)
        dst.insert(table, columns, iter(src.rows(table, columns)))
        counts.append(TableCount(table, expected, dst.count(table)))
        progress(f"{table}: {expected}")
    dst.execute(f"DELETE FROM {FEED}")  # the copy's own trigger rows: not news to anyone
    wrong = [c for c in counts if c.source != c.copied]
    if wrong:
        shown = ", ".join(f"{c.table} {c.copied} of {c.source}" for c in wrong)
        raise LedgerError(f"copy to {dst_name}: counts differ ({shown}); nothing was kept")
    _commit(dst)
    return counts
