"""Open the SQLite ledger: identity first, then WAL, busy timeout, full sync, and ordered
migrations. A read-only open (``status``, ``report``) creates, migrates and writes nothing."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import aiosqlite

from swarm_tui.domain.private_files import prepare_private_file
from swarm_tui.store.connection import LedgerConnection
from swarm_tui.store.identity import APPLICATION_ID, Identity, LedgerError, identify
from swarm_tui.store.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = ["NO_LEDGER", "LedgerConnection", "LedgerError", "connect", "migrate"]


NO_LEDGER = "no ledger here yet (swarm-tui submit or run creates it)"


def _open_raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False)


async def connect(path: Path, *, readonly: bool = False, check: bool = False) -> LedgerConnection:
    """Open ``path`` with the project's pragmas. Autocommit mode: transactions are explicit.

    A file that is not empty and not a swarm-tui ledger is refused untouched. ``readonly``:
    the ledger must exist at the current schema; nothing is created, migrated or written.
    ``check``: ``PRAGMA quick_check`` first; a damaged ledger is refused before any write.
    """
    identity = identify(path)
    if readonly and identity is Identity.NEW:
        raise LedgerError(f"{path}: {NO_LEDGER}")
    if not readonly:
        try:
            prepare_private_file(path)  # 0600 (its -wal/-shm too), a new folder 0700
        except OSError as exc:
            raise LedgerError(f"{path}: cannot create its folder: {exc.strerror}") from None
    try:
        # Opened here, not by aiosqlite: an open that fails leaves no worker thread behind
        # (one that would report to a closed loop: "Event loop is closed" tracebacks).
        raw = await asyncio.to_thread(_open_raw, path)
    except sqlite3.Error as exc:
        raise LedgerError(f"{path}: {_cannot_open(path, exc)}") from None
    conn = LedgerConnection(raw)
    await conn  # starts aiosqlite's thread; its connector hands over ``raw``
    conn.row_factory = aiosqlite.Row
    try:
        await conn.execute("PRAGMA busy_timeout = 10000")
        if readonly:
            await conn.execute("PRAGMA query_only = ON")
            await _readable_version(conn, path)
            return conn
        if check and identity is Identity.LEDGER:
            await _quick_check(conn, path)
        await _use_wal(conn)
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


async def _use_wal(conn: aiosqlite.Connection, within: float = 10.0) -> None:
    """Switch to WAL. The switch needs the file to itself and SQLite answers "database is
    locked" at once, without its busy handler, while another process (one opening the same
    new ledger) reads it: try again for up to ``within`` seconds, as the busy timeout would."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or loop.time() >= deadline:
                raise
        await asyncio.sleep(0.01)


def _cannot_open(path: Path, exc: sqlite3.Error) -> str:
    folder = path.parent
    if not path.exists() and folder.is_dir() and not os.access(folder, os.W_OK):
        return f"cannot create a ledger: the folder {folder} is read-only for this user"
    return f"cannot open: {exc}"


async def _quick_check(conn: aiosqlite.Connection, path: Path) -> None:
    """Refuse a ledger whose pages are damaged (overwritten, truncated), saying what to do."""
    try:
        problems = [str(r[0]) for r in await conn.execute_fetchall("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        problems = [str(exc)]
    if problems != ["ok"]:
        raise LedgerError(
            f"{path}: the ledger is damaged (PRAGMA quick_check: {'; '.join(problems)})."
            " Nothing was written to it. Keep the file; stop every swarm-tui using it, then"
            f" recover what can be read: sqlite3 {path} .recover | sqlite3 recovered.db, and"
            " point --db at recovered.db"
        )


async def schema_version(conn: aiosqlite.Connection, pragma: str = "user_version") -> int:
    async with conn.execute(f"PRAGMA {pragma}") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


def _newer(path: Path | str, version: int) -> LedgerError:
    return LedgerError(
        f"{path}: written by a newer swarm-tui (schema v{version}; this version knows up to"
        f" v{SCHEMA_VERSION}). Upgrade swarm-tui or point --db at another file."
    )


async def _readable_version(conn: aiosqlite.Connection, path: Path) -> None:
    """A read-only open reads the current schema only: it never migrates."""
    version = await schema_version(conn)
    if version > SCHEMA_VERSION:
        raise _newer(path, version)
    if version < SCHEMA_VERSION:
        raise LedgerError(
            f"{path}: written by an older swarm-tui (schema v{version}, now v{SCHEMA_VERSION});"
            " a read does not upgrade it: run swarm-tui run or submit on it once"
        )


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
    ledger at once never apply a migration twice. Each migration also sets the ledger's mark
    (``application_id``); a current ledger written before the mark existed gets it alone.
    """
    version = await schema_version(conn)
    if version > SCHEMA_VERSION:
        raise _newer(path, version)
    marked = await schema_version(conn, "application_id") == APPLICATION_ID
    step = "marking it as a swarm-tui ledger"
    while version < SCHEMA_VERSION or not marked:
        try:
            await conn.execute("BEGIN IMMEDIATE")
            version = await schema_version(conn)
            if version < SCHEMA_VERSION:
                step = f"migration to schema v{version + 1}"
                for statement in _statements(MIGRATIONS[version]):
                    await conn.execute(statement)
                version += 1
                await conn.execute(f"PRAGMA user_version = {version}")
            await conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            marked = True
            await conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                await conn.rollback()
            raise LedgerError(f"{path}: {step} failed: {exc}") from None
    return version
