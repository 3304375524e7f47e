"""Is this file a swarm-tui ledger? Decided before anything is written to it.

A ledger carries its own mark: ``PRAGMA application_id`` = :data:`APPLICATION_ID`, set on new
ledgers and on the first migration of a ledger written before the mark existed (recognised
by its ``user_version`` and its tables, all of them swarm-tui's). Anything else that is not
empty (another program's SQLite database, a text file, a folder) is refused and left exactly
as it was: it is read only through a read-only (immutable when it has no WAL) SQLite connection,
which creates no journal and takes no lock.
"""

from __future__ import annotations

import enum
import re
import sqlite3
from pathlib import Path

from swarm_tui.store.schema import MIGRATIONS

__all__ = ["APPLICATION_ID", "Identity", "LedgerError", "identify"]

APPLICATION_ID = 0x5357524D
"""``PRAGMA application_id`` of every swarm-tui ledger ("SWRM")."""

_CORE = frozenset({"tasks", "task_deps", "attempts", "events"})
_OURS = frozenset(re.findall(r"CREATE TABLE (\w+)", "\n".join(MIGRATIONS)))
_SQLITE_OWN = re.compile(r"sqlite_(sequence|stat\d)")


class LedgerError(Exception):
    """The ledger cannot be opened or written; the message names the file and the cause."""


class Identity(enum.Enum):
    NEW = "new"
    """No file, an empty file, or an SQLite database with nothing in it: a ledger may be made."""
    LEDGER = "ledger"
    """A swarm-tui ledger: marked, or an older one recognised by its tables."""


def _foreign(path: Path, what: str) -> LedgerError:
    return LedgerError(
        f"{path}: not a swarm-tui ledger ({what}); left untouched."
        " Point --db (or $SWARM_TUI_DB, [storage] path) at a new or existing ledger file"
    )


def _read_marks(path: Path) -> tuple[int, set[str], int]:
    """``application_id``, table names and ``user_version``, read through SQLite only.

    Never through a file descriptor of our own: closing one drops every POSIX lock this
    process holds on the file, those of its open ledger connections included, and another
    process could then checkpoint and remove a WAL this one still writes to (lost commits;
    SQLite's "how to corrupt" 2.2). SQLite's own opens share its per-file lock records.
    """
    wal = Path(f"{path}-wal")
    # immutable: no lock, no -shm/-wal created. With a WAL file present its content counts, so
    # open it as a plain read-only reader (the journal files exist already).
    query = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    uri = f"{path.resolve().as_uri()}?{query}"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            names = {str(r[0]) for r in rows}
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):
            raise _foreign(path, "not an SQLite database") from None
        raise _foreign(path, f"cannot read its tables: {exc}") from None
    except sqlite3.Error as exc:
        raise LedgerError(f"{path}: cannot read: {exc}") from None
    return app_id & 0xFFFFFFFF, names, version


def identify(path: Path) -> Identity:
    """What ``path`` holds; raise :class:`LedgerError` for anything a ledger must not touch."""
    if not path.exists():
        return Identity.NEW
    if path.is_dir():
        raise LedgerError(f"{path}: is a folder; --db takes a ledger file")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LedgerError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if size == 0:
        return Identity.NEW
    app_id, tables, version = _read_marks(path)
    if app_id == APPLICATION_ID:
        return Identity.LEDGER
    if app_id != 0:
        raise _foreign(path, f"an SQLite database of another application, id 0x{app_id:08x}")
    theirs = sorted(t for t in tables if not _SQLITE_OWN.fullmatch(t))
    if not theirs and version == 0:
        return Identity.NEW
    if version >= 1 and tables >= _CORE and set(theirs) <= _OURS:
        return Identity.LEDGER
    shown = ", ".join(theirs[:5]) + (", …" if len(theirs) > 5 else "")
    what = f"tables {shown}" if theirs else f"user_version {version}"
    raise _foreign(path, f"an SQLite database of another application: {what}")
