"""The change feed: what any process changed on the ledger, read incrementally.

Triggers (schema v7) log every change to a task, an attempt (start, end, usage, streamed
text), a tool call, a consensus run, a flag, a tool approval or a memory entry in
``changes``, under a sequence number that only grows. A reader keeps the last number it saw
and, when ``PRAGMA data_version`` says another connection committed, reads the rows after it
with ``WHERE seq > ?`` (a search of the primary key: cost in what changed, not in the size of
the ledger). A process tells its own changes from the others' by their numbers: its writer
notes, inside each write transaction (which holds the write lock, so no other connection logs
meanwhile), the feed's last number before and after, and adds that range to
:class:`OwnWrites` before it commits (so no reader can see a row before it is known as own).
No per-change work: the TEMP trigger that tagged each row with an ``origin`` (an UPDATE per
change) is gone, and ``origin`` stays NULL.

Pruning (in the schema's ``changes_prune`` trigger, run by every writer): every 1,000th change
deletes those more than :data:`CHANGES_KEPT` behind it. A reader that fell further behind
than that gets ``lost`` and must read the world again.
"""

from __future__ import annotations

import bisect
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

from swarm_tui.store.db import LedgerError

__all__ = [
    "CHANGES_KEPT",
    "SINCE",
    "Change",
    "ChangeBatch",
    "ChangeFeed",
    "ChangeReader",
    "Changes",
    "FeedRow",
    "OwnWrites",
    "feed_seq",
]

CHANGES_KEPT = 50_000
"""Changes kept behind the newest (see ``changes_prune`` in store/schema/feed.py, schema v7)."""

SINCE = (
    "SELECT seq, kind, task_id, attempt_id, row_id, name FROM changes"
    " WHERE seq > ? ORDER BY seq LIMIT ?"
)
"""The feed's one query: a range search of the primary key from the reader's cursor."""


def feed_seq(conn: sqlite3.Connection) -> int:
    """The feed's last sequence number (0 before the first change): a look-up of the primary
    key's last entry. New changes get numbers above it (AUTOINCREMENT)."""
    row = conn.execute("SELECT MAX(seq) FROM changes").fetchone()
    return int(row[0] or 0)


class OwnWrites:
    """The feed numbers one ledger's write connection logged, as ranges. The writer adds a
    transaction's range from its own thread before the COMMIT (and takes it back if the
    COMMIT fails); readers ask on the event loop: a lock keeps the two apart."""

    def __init__(self) -> None:
        self._firsts: list[int] = []
        self._lasts: list[int] = []
        self._lock = threading.Lock()

    def add(self, before: int, last: int) -> None:
        """The changes numbered ``before + 1`` to ``last`` are this writer's."""
        if last <= before:
            return
        with self._lock:
            if self._lasts and self._lasts[-1] == before:  # right after the previous: extend
                self._lasts[-1] = last
            else:
                self._firsts.append(before + 1)
                self._lasts.append(last)
            stale = bisect.bisect_left(self._lasts, last - CHANGES_KEPT - 1_000)
            if stale:  # pruned from the feed long ago: no reader can meet them again
                del self._firsts[:stale], self._lasts[:stale]

    def retract(self, before: int, last: int) -> None:
        """Undo :meth:`add` (the transaction did not commit: its numbers will be reused)."""
        if last <= before:
            return
        with self._lock:
            if not self._lasts or self._lasts[-1] != last:
                return
            if self._firsts[-1] > before:
                del self._firsts[-1], self._lasts[-1]
            else:
                self._lasts[-1] = before

    def __contains__(self, seq: object) -> bool:
        if not isinstance(seq, int):
            return False
        with self._lock:
            i = bisect.bisect_right(self._firsts, seq) - 1
            return i >= 0 and seq <= self._lasts[i]


@dataclass(frozen=True, slots=True)
class Change:
    """One logged change. ``kind`` says which table: ``task`` (``task_id``), ``attempt``
    (started, ended, usage), ``output`` (streamed text), ``tool_call`` (``row_id``),
    ``consensus`` (``task_id``), ``flag`` (``name``), ``approval`` and ``memory`` (``name``
    as ``agent/tool`` or ``project/name``)."""

    seq: int
    kind: str
    task_id: int | None
    attempt_id: int | None
    row_id: int | None
    name: str | None
    own: bool
    """Written through this ledger's own writer."""


@dataclass(frozen=True, slots=True)
class ChangeBatch:
    changes: list[Change]
    cursor: int
    """The last sequence number read (the next read starts after it)."""
    lost: bool = False
    """Changes after the previous cursor were pruned before they were read: whatever the
    reader keeps must be read again from the tables."""
    more: bool = False
    """The batch hit its limit: read again at once."""


class FeedRow(Protocol):
    """A row by position (``r[0]``) or by column name (``r["id"]``): ``aiosqlite.Row`` here,
    ``PgRow`` on PostgreSQL."""

    def __getitem__(self, key: int | str, /) -> Any: ...


class ChangeFeed(Protocol):
    """The change feed as the ledger's ``changes`` offers it (:class:`ChangeReader`,
    ``core/feed.py``): :class:`Changes` here, ``PgChanges`` (store/pg/changes.py) there."""

    async def last_seq(self) -> int: ...
    async def data_version(self) -> int: ...
    async def since(self, cursor: int, limit: int = 2_000) -> ChangeBatch: ...
    async def explain_since(self) -> list[str]: ...
    async def tails(self, offsets: dict[int, int]) -> dict[int, str]: ...
    async def tool_calls(self, ids: Iterable[int]) -> Sequence[FeedRow]: ...
    async def consensus_status(self, task_ids: Iterable[int]) -> dict[int, str]: ...
    async def flag_values(self, names: Iterable[str]) -> dict[str, str | None]: ...


class Changes:
    """Reads of the feed and of the rows it points at, on the ledger's read connection."""

    def __init__(self, read: aiosqlite.Connection, path: Path, own: OwnWrites) -> None:
        self._read = read
        self.path = path
        self.own = own
        """What this ledger's own writer logged (store/writer.py fills it)."""

    async def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        try:
            return list(await self._read.execute_fetchall(sql, args))
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.path}: cannot read the change feed: {exc}") from None

    async def last_seq(self) -> int:
        rows = await self._rows("SELECT COALESCE(MAX(seq), 0) FROM changes")
        return int(rows[0][0])

    async def data_version(self) -> int:
        rows = await self._rows("PRAGMA data_version")
        return int(rows[0][0])

    async def since(self, cursor: int, limit: int = 2_000) -> ChangeBatch:
        """The changes after ``cursor``, oldest first, at most ``limit``."""
        rows = await self._rows(SINCE, (cursor, limit))
        lost = False
        if rows and int(rows[0][0]) > cursor + 1:  # a gap: pruned, or never written?
            first = await self._rows("SELECT MIN(seq) FROM changes")
            lost = cursor < int(first[0][0]) - 1 and cursor > 0
        own = self.own
        changes = []
        for r in rows:
            seq = int(r[0])
            changes.append(Change(seq, str(r[1]), r[2], r[3], r[4], r[5], seq in own))
        last = changes[-1].seq if changes else cursor
        return ChangeBatch(changes, last, lost, more=len(rows) >= limit)

    async def explain_since(self) -> list[str]:
        """``EXPLAIN QUERY PLAN`` of the feed's query (its ``detail`` lines)."""
        rows = await self._rows("EXPLAIN QUERY PLAN " + SINCE, (0, 1))
        return [str(r[3]) for r in rows]

    # ------------------------------------------------------------------ rows it points at
    async def tails(self, offsets: dict[int, int]) -> dict[int, str]:
        """Each attempt's output after its first ``offsets[id]`` characters."""
        out: dict[int, str] = {}
        for attempt_id, offset in offsets.items():
            rows = await self._rows(
                "SELECT substr(output, ? + 1) FROM attempts WHERE id = ?", (offset, attempt_id)
            )
            if rows and rows[0][0]:
                out[attempt_id] = str(rows[0][0])
        return out

    async def tool_calls(self, ids: Iterable[int]) -> list[aiosqlite.Row]:
        wanted = sorted(set(ids))
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        return await self._rows(
            "SELECT id, task_id, attempt_id, call_id, tool, arguments, outcome, error"
            f" FROM tool_calls WHERE id IN ({marks}) ORDER BY id",
            wanted,
        )

    async def consensus_status(self, task_ids: Iterable[int]) -> dict[int, str]:
        wanted = sorted(set(task_ids))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = await self._rows(
            f"SELECT task_id, status FROM consensus WHERE task_id IN ({marks})", wanted
        )
        return {int(r[0]): str(r[1]) for r in rows}

    async def flag_values(self, names: Iterable[str]) -> dict[str, str | None]:
        wanted = sorted(set(names))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = await self._rows(f"SELECT name, value FROM flags WHERE name IN ({marks})", wanted)
        found = {str(r[0]): str(r[1]) for r in rows}
        return {name: found.get(name) for name in wanted}


class ChangeReader:
    """One reader's place in the feed. :meth:`read` is cheap while nothing was committed
    (one ``PRAGMA data_version``) and reads only the new changes when something was."""

    def __init__(self, changes: ChangeFeed) -> None:
        self.changes = changes
        self.cursor = 0
        self._version: int | None = None
        self._more = False

    async def start(self) -> None:
        """Begin at the newest change: what came before is read from the tables."""
        self._version = await self.changes.data_version()
        self.cursor = await self.changes.last_seq()

    async def read(self, limit: int = 2_000) -> ChangeBatch | None:
        """The changes since the last read, or None when no other connection committed.
        (The version is read first: a commit after it is read now and again next time.)"""
        version = await self.changes.data_version()
        if version == self._version and not self._more:
            return None
        self._version = version
        batch = await self.changes.since(self.cursor, limit)
        self.cursor = batch.cursor
        self._more = batch.more
        return batch
