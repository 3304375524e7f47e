"""Open the SQLite ledger: WAL, busy timeout, full sync, and ordered migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

import aiosqlite

from swarm_tui.private_files import prepare_private_file
from swarm_tui.store.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = ["LedgerError", "connect", "migrate", "on_thread"]

T = TypeVar("T")


class LedgerError(Exception):
    """The ledger cannot be opened or written; the message names the file and the cause."""


async def connect(path: Path, *, readonly: bool = False) -> aiosqlite.Connection:
    """Open ``path`` with the project's pragmas. Autocommit mode: transactions are explicit."""
    if not readonly:
        try:
            prepare_private_file(path)  # 0600 (its -wal/-shm too), a new folder 0700
        except OSError as exc:
            raise LedgerError(f"{path}: cannot create its folder: {exc.strerror}") from None
    elif not path.exists():  # noqa: ASYNC240 - one stat, before any I/O starts
        raise LedgerError(f"{path}: no ledger here yet (nothing has been submitted)")
    try:
        conn = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise LedgerError(f"{path}: cannot open: {exc}") from None
    conn.row_factory = aiosqlite.Row
    try:
        await conn.execute("PRAGMA busy_timeout = 10000")
        await conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a state change reported done survives power loss too (group commit pays for it).
        await conn.execute("PRAGMA synchronous = FULL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await migrate(conn, path)
    except sqlite3.DatabaseError as exc:
        await conn.close()
        raise LedgerError(f"{path}: not a usable swarm-tui ledger: {exc}") from None
    except LedgerError:
        await conn.close()
        raise
    return conn


async def on_thread(conn: aiosqlite.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """Run ``fn`` with the raw sqlite3 connection on ``conn``'s own thread, in its queue: many
    statements for one round trip (each ``await conn.execute`` is one)."""

    def call() -> T:
        return fn(conn._conn)

    return cast(T, await conn._execute(call))  # type: ignore[no-untyped-call]


async def schema_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


def _statements(script: str) -> list[str]:
    """Split a migration script into complete SQL statements."""
    statements: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements


async def migrate(conn: aiosqlite.Connection, path: Path | str = "<ledger>") -> int:
    """Apply the migrations this file lacks, each in one transaction; return the version.

    The version is read again inside each write transaction, so two processes opening a new
    ledger at once never apply a migration twice.
    """
    version = await schema_version(conn)
    if version > SCHEMA_VERSION:
        raise LedgerError(
            f"{path}: written by a newer swarm-tui (schema v{version}; this version knows up to"
            f" v{SCHEMA_VERSION}). Upgrade swarm-tui or point --db at another file."
        )
    while version < SCHEMA_VERSION:
        try:
            await conn.execute("BEGIN IMMEDIATE")
            version = await schema_version(conn)
            if version < SCHEMA_VERSION:
                for statement in _statements(MIGRATIONS[version]):
                    await conn.execute(statement)
                version += 1
                await conn.execute(f"PRAGMA user_version = {version}")
            await conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                await conn.rollback()
            raise LedgerError(f"{path}: migration to schema v{version + 1} failed: {exc}") from None
    return version
