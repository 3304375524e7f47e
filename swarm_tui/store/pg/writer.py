"""The PostgreSQL ledger's one writer: group commit, as the SQLite one (``store/writer.py``).

``run(op)`` takes an async function of the write connection; consecutive ops and the
buffered streamed text go in one transaction, each op in a savepoint (one failing op does not
undo the others), committed before any caller is told. Every transaction takes the feed's
advisory lock first (``schema.FEED_LOCK``): write transactions of every host are serialised
(as SQLite's), so the change feed's sequence follows commit order and no two writers can
deadlock on each other's rows.

A broken connection (the server restarted, the network dropped) fails the batch's ops with a
:class:`LedgerError`, keeps the streamed text, and the next batch connects again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg

from swarm_tui.store.identity import LedgerError
from swarm_tui.store.pg.connect import PgConn
from swarm_tui.store.pg.schema import FEED_LOCK

__all__ = ["PgOp", "PgWriter"]

T = TypeVar("T")
PgOp = Callable[[PgConn], Awaitable[T]]


@dataclass(slots=True)
class _Pending:
    op: PgOp[Any]
    future: asyncio.Future[Any]


async def _nothing(_: PgConn) -> None:
    return None


class PgWriter:
    def __init__(
        self,
        conn: PgConn,
        reconnect: Callable[[], Awaitable[PgConn]],
        *,
        interval: float = 0.05,
        shown: str = "<ledger>",
    ) -> None:
        self.conn = conn
        self._reconnect = reconnect
        self._interval = interval
        self._shown = shown
        self._ops: list[_Pending] = []
        self._chunks: dict[int, list[str]] = {}
        self._wake = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self.commits = 0
        self.chunk_rows = 0
        self.on_commit: Callable[[], None] | None = None
        """Called after each commit (the feed's version moves at once for this ledger's own
        writes, as SQLite's ``data_version`` does for its other connection's)."""

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="ledger-writer-pg")

    async def close(self) -> None:
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    def run(self, op: PgOp[T]) -> asyncio.Future[T]:
        if self._closing and self._task is None:
            raise LedgerError("the ledger writer is closed")
        fut: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._ops.append(_Pending(op, fut))
        self._wake.set()
        return fut

    def append_output(self, attempt_id: int, text: str) -> None:
        if text:
            first = not self._chunks
            self._chunks.setdefault(attempt_id, []).append(text)
            if first or self._closing:
                self._wake.set()

    async def flush(self) -> None:
        await self.run(_nothing)

    async def _loop(self) -> None:
        while True:
            if not self._ops and not self._chunks:
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            if not self._ops and not self._closing:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._interval)
            await self._commit_batch()

    async def _commit_batch(self) -> None:
        ops, self._ops = self._ops, []
        chunks, self._chunks = self._chunks, {}
        results: list[tuple[_Pending, BaseException | None, Any]] = []
        try:
            if self.conn.closed:
                self.conn = await self._reconnect()
            conn = self.conn
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock(%s)", (FEED_LOCK,))
                if chunks:
                    async with conn.cursor() as cur:
                        await cur.executemany(
                            "UPDATE attempts SET output = output || %s"
                            " WHERE id = %s AND state = 'running'",
                            [("".join(p), attempt_id) for attempt_id, p in chunks.items()],
                        )
                for pending in ops:
                    try:
                        async with conn.transaction():  # a savepoint
                            value = await pending.op(conn)
                    except psycopg.OperationalError:
                        raise  # the connection, not the op: the whole batch fails
                    except Exception as exc:  # the op's own failure goes to its caller
                        results.append((pending, exc, None))
                    else:
                        results.append((pending, None, value))
        except (psycopg.Error, LedgerError) as exc:
            for attempt_id, parts in chunks.items():
                self._chunks.setdefault(attempt_id, [])[:0] = parts
            error = LedgerError(f"{self._shown}: cannot write the ledger: {_line(exc)}")
            for pending in ops:
                if not pending.future.done():
                    pending.future.set_exception(error)
            if self._closing:
                self._chunks.clear()
            else:
                await asyncio.sleep(self._interval)
            return
        self.commits += 1
        self.chunk_rows += len(chunks)
        if self.on_commit is not None:
            self.on_commit()
        for pending, failure, value in results:
            if pending.future.done():
                continue
            if isinstance(failure, psycopg.Error):
                failure = LedgerError(f"{self._shown}: cannot write the ledger: {_line(failure)}")
            if failure is not None:
                pending.future.set_exception(failure)
            else:
                pending.future.set_result(value)


def _line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
