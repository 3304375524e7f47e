"""The change feed on PostgreSQL: the ``changes`` table the triggers fill (schema ``_BASE``),
read "since N" as on SQLite, and a ``LISTEN swarm_changes`` connection that wakes readers.

:meth:`PgChanges.data_version` plays ``PRAGMA data_version``'s part: it moves each time a
notification arrives (any connection on any host committed a change), without a round trip.
While the listening connection is down it answers the newest ``seq`` instead (one read), and
the listener connects again in the background (a growing pause between tries, one warning per
outage); connected again, the version moves once so every reader reads on from its own
cursor by ``seq``: nothing committed meanwhile is missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable

from swarm_tui.store.changes import Change, ChangeBatch
from swarm_tui.store.pg.connect import PgConn, PgRow
from swarm_tui.store.pg.reader import PgReader

__all__ = ["CHANNEL", "PgChanges"]

log = logging.getLogger(__name__)

CHANNEL = "swarm_changes"
_FIRST_PAUSE_S = 0.2
_MAX_PAUSE_S = 2.0
"""The pause between tries to listen again grows from the first to the last (no busy loop
while the server is away, back within a moment of a quick restart)."""
_SINCE = (
    "SELECT seq, kind, task_id, attempt_id, row_id, name, origin FROM changes"
    " WHERE seq > %s ORDER BY seq LIMIT %s"
)
"""SQLite's ``SINCE`` plus ``origin`` (this ledger's own changes carry its origin; SQLite's
writer notes its own feed numbers instead)."""


class PgChanges:
    def __init__(
        self,
        reader: PgReader,
        shown: str,
        origin: int,
        listen: Callable[[], Awaitable[PgConn]] | None = None,
    ) -> None:
        self._reader = reader
        self.path = shown
        self.origin = origin
        self._listen = listen
        self._notified = 0
        self._task: asyncio.Task[None] | None = None
        self._live = False
        self._woken = asyncio.Event()
        self.listens = 0
        """LISTEN connections made (more than one: it connected again after a drop)."""

    # ------------------------------------------------------------------ LISTEN
    async def start(self) -> None:
        """Listen for notifications (in the background, connecting again when dropped)."""
        if self._listen is None or self._task is not None:
            return
        ready = asyncio.Event()
        self._task = asyncio.create_task(self._listener(ready), name="ledger-listen-pg")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ready.wait(), 15)

    async def _listener(self, ready: asyncio.Event) -> None:
        assert self._listen is not None
        pause, down = _FIRST_PAUSE_S, False
        while True:
            conn: PgConn | None = None
            try:
                conn = await self._listen()
                await conn.execute(f"LISTEN {CHANNEL}")
                self._live = True
                self._notified += 1  # anything before this moment: read it once
                self.listens += 1
                if down:
                    log.info("change feed: listening again (reading on from its last change)")
                pause, down = _FIRST_PAUSE_S, False
                ready.set()
                async for _ in conn.notifies():
                    self._notified += 1
                    self._woken.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the server went away: poll seq meanwhile
                if not down:
                    log.warning("change feed: listening stopped: %s", _line(exc))
                down = True
            finally:
                self._live = False
                self._woken.set()  # waiters read the feed (by seq) meanwhile
                ready.set()
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close()
            await asyncio.sleep(pause)
            pause = min(_MAX_PAUSE_S, pause * 2)

    def bump(self) -> None:
        """This ledger's writer committed: its own changes count as news at once."""
        self._notified += 1

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def woken(self) -> None:
        """Until the next notification (callers bound the wait themselves)."""
        self._woken.clear()
        await self._woken.wait()

    # ------------------------------------------------------------------ the feed
    async def _rows(self, sql: str, args: tuple[object, ...] | list[object] = ()) -> list[PgRow]:
        return await self._reader.rows(sql, args)

    async def last_seq(self) -> int:
        rows = await self._rows("SELECT COALESCE(MAX(seq), 0) FROM changes")
        return int(rows[0][0])

    async def data_version(self) -> int:
        if self._live or self._listen is None:
            return self._notified
        return -(await self.last_seq()) - 1  # never equal to a count of notifications

    async def since(self, cursor: int, limit: int = 2_000) -> ChangeBatch:
        rows = await self._rows(_SINCE, (cursor, limit))
        lost = False
        if rows and int(rows[0][0]) > cursor + 1:
            first = await self._rows("SELECT MIN(seq) FROM changes")
            lost = cursor < int(first[0][0]) - 1 and cursor > 0
        changes = [
            Change(int(r[0]), str(r[1]), r[2], r[3], r[4], r[5], r[6] == self.origin) for r in rows
        ]
        last = changes[-1].seq if changes else cursor
        return ChangeBatch(changes, last, lost, more=len(rows) >= limit)

    async def explain_since(self) -> list[str]:
        rows = await self._rows("EXPLAIN " + _SINCE, (0, 1))
        return [str(r[0]) for r in rows]

    async def tails(self, offsets: dict[int, int]) -> dict[int, str]:
        out: dict[int, str] = {}
        for attempt_id, offset in offsets.items():
            rows = await self._rows(
                "SELECT substr(output, %s + 1) FROM attempts WHERE id = %s", (offset, attempt_id)
            )
            if rows and rows[0][0]:
                out[attempt_id] = str(rows[0][0])
        return out

    async def tool_calls(self, ids: Iterable[int]) -> list[PgRow]:
        wanted = sorted(set(ids))
        if not wanted:
            return []
        return await self._rows(
            "SELECT id, task_id, attempt_id, call_id, tool, arguments, outcome, error"
            " FROM tool_calls WHERE id = ANY(%s) ORDER BY id",
            (wanted,),
        )

    async def consensus_status(self, task_ids: Iterable[int]) -> dict[int, str]:
        wanted = sorted(set(task_ids))
        if not wanted:
            return {}
        rows = await self._rows(
            "SELECT task_id, status FROM consensus WHERE task_id = ANY(%s)", (wanted,)
        )
        return {int(r[0]): str(r[1]) for r in rows}

    async def flag_values(self, names: Iterable[str]) -> dict[str, str | None]:
        wanted = sorted(set(names))
        if not wanted:
            return {}
        rows = await self._rows("SELECT name, value FROM flags WHERE name = ANY(%s)", (wanted,))
        found = {str(r[0]): str(r[1]) for r in rows}
        return {name: found.get(name) for name in wanted}


def _line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
