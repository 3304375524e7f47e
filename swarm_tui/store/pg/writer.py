"""The PostgreSQL ledger's one writer: group commit, as the SQLite one (``store/writer.py``).

``run(op)`` takes an async function of the write connection; consecutive ops and the
buffered streamed text go in one transaction, each op in a savepoint (one failing op does not
undo the others), committed before any caller is told. Every transaction takes the feed's
advisory lock first (``schema.FEED_LOCK``): write transactions of every host are serialised
(as SQLite's), so the change feed's sequence follows commit order and no two writers can
deadlock on each other's rows.

A broken connection (the server restarted, the network dropped) fails the batch's ops with a
:class:`LedgerError`, keeps the streamed text, and the next batch connects again; while the
server cannot be reached the batches are tried with a growing pause (up to
:data:`MAX_PAUSE_S`), never in a busy loop.

A connection lost while the batch was committing leaves its outcome unknown: it may have been
written. The writer never writes such a batch again blindly: each batch notes its transaction
id (``txid_current()``) and, once connected again, asks the server what became of it
(``txid_status``, see ``writer_doubt.py``): committed, its callers get their results and the
streamed text is dropped (it is in); not committed, its callers get a :class:`LedgerError`
(nothing was written, they try again) and the text goes back in front of what came since. No
batch commits while one is in doubt, so streamed text stays in order.

An op run with ``keep=True`` (an attempt's end) is not failed by a lost connection: like the
streamed text it is kept and goes in the next batch, until the server takes it (or the writer
closes). The first batch on a new connection runs :attr:`PgWriter.on_connect` before anything
else (the ledger renews its own attempts' leases there, before any recovery can judge them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg

from swarm_tui.store.identity import LedgerError
from swarm_tui.store.pg.connect import PgConn
from swarm_tui.store.pg.schema import FEED_LOCK
from swarm_tui.store.pg.writer_doubt import DOUBT_WAIT_S, Doubt, outcome

__all__ = ["MAX_PAUSE_S", "PgOp", "PgWriter"]

log = logging.getLogger(__name__)

T = TypeVar("T")
PgOp = Callable[[PgConn], Awaitable[T]]

MAX_PAUSE_S = 2.0
"""The longest pause between two tries while the server cannot be reached."""


@dataclass(slots=True)
class _Pending:
    op: PgOp[Any]
    future: asyncio.Future[Any]
    keep: bool = False
    """Kept across lost connections until written (never failed for the server's absence)."""


Results = list[tuple[_Pending, BaseException | None, Any]]


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
        self._doubt: Doubt | None = None
        self._failures = 0
        """Batches failed in a row (the pause before the next try grows with it)."""
        self.commits = 0
        self.chunk_rows = 0
        self.reconnects = 0
        self.doubts = 0
        """Batches whose commit's outcome had to be asked of the server afterwards."""
        self.on_connect: PgOp[Any] | None = None
        """Run first in the first batch on a new connection (after the server was away)."""
        self._fresh = False
        self.on_commit: Callable[[], None] | None = None
        """Called after each commit (the feed's version moves at once for this ledger's own
        writes, as SQLite's ``data_version`` does for its other connection's)."""

    @property
    def failures(self) -> int:
        """Batches failed in a row (0 while the server takes writes)."""
        return self._failures

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="ledger-writer-pg")

    async def close(self) -> None:
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    def run(self, op: PgOp[T], *, keep: bool = False) -> asyncio.Future[T]:
        """Queue ``op`` for the next batch; ``keep``: a lost connection does not fail it, it
        is tried again in the next batch until the server takes it."""
        if self._closing and self._task is None:
            raise LedgerError("the ledger writer is closed")
        fut: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._ops.append(_Pending(op, fut, keep))
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
            if not self._ops and not self._chunks and self._doubt is None:
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
            if self._closing and self._failures:
                self._give_up()  # closing while the server is away: fail what is left
            elif pause := self.pause():
                await asyncio.sleep(pause)

    async def _connection(self) -> PgConn:
        if self.conn.closed:
            fresh = await self._reconnect()
            with contextlib.suppress(Exception):
                await self.conn.close()
            self.conn = fresh
            self.reconnects += 1
            self._fresh = True
        return self.conn

    async def _commit_batch(self) -> None:
        if self._doubt is not None and not await self._settle():
            self._failures += 1
            error = LedgerError(f"{self._shown}: cannot write the ledger: the server is away")
            self._ops = self._fail(self._ops, error)  # nothing commits before the doubt settles
            return
        ops, self._ops = self._ops, []
        chunks, self._chunks = self._chunks, {}
        results: Results = []
        txid: int | None = None
        committing = False
        try:
            conn = await self._connection()
            async with conn.transaction():
                cur = await conn.execute(
                    "SELECT txid_current(), pg_advisory_xact_lock(%s)", (FEED_LOCK,)
                )
                row = await cur.fetchone()
                txid = None if row is None else int(row[0])
                if self._fresh and self.on_connect is not None:
                    await self._first(conn, self.on_connect)
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
                committing = True  # leaving the block sends COMMIT
        except (psycopg.Error, LedgerError) as exc:
            if committing and txid is not None and isinstance(exc, psycopg.OperationalError):
                self.doubts += 1
                log.warning("%s: connection lost while committing; checking it", self._shown)
                self._doubt = Doubt(txid, ops, chunks, results)
                self._failures += 1
                return
            self._requeue(chunks)
            self._failures += 1
            if self._failures == 1:
                log.warning(
                    "%s: cannot write the ledger: %s; trying again", self._shown, _line(exc)
                )
            self._requeue_ops(self._fail(ops, self._failed(exc)))
            return
        self._committed(results, len(chunks))

    async def _first(self, conn: PgConn, op: PgOp[Any]) -> None:
        """The new connection's first op (its own failure is logged, never the batch's)."""
        try:
            async with conn.transaction():  # a savepoint
                await op(conn)
        except psycopg.OperationalError:
            raise
        except Exception as exc:
            log.warning("%s: after connecting again: %s", self._shown, _line(exc))

    def _committed(self, results: Results, chunk_rows: int) -> None:
        self._fresh = False
        if self._failures:
            log.info("%s: the ledger takes writes again", self._shown)
        self._failures = 0
        self.commits += 1
        self.chunk_rows += chunk_rows
        if self.on_commit is not None:
            self.on_commit()
        for pending, failure, value in results:
            if pending.future.done():
                continue
            if isinstance(failure, psycopg.Error):
                failure = self._failed(failure)
            if failure is not None:
                pending.future.set_exception(failure)
            else:
                pending.future.set_result(value)

    async def _settle(self) -> bool:
        """Ask what became of the batch in doubt; True: settled (either way)."""
        doubt = self._doubt
        assert doubt is not None
        try:
            found = await outcome(await self._connection(), doubt.txid)
        except (psycopg.Error, LedgerError):
            found = None
        if found is None:
            if not doubt.told and time.monotonic() - doubt.since > DOUBT_WAIT_S:
                doubt.told = True
                error = LedgerError(
                    f"{self._shown}: the connection was lost while a write committed; whether"
                    " it was written is not known yet"
                )
                doubt.ops = self._fail(doubt.ops, error)  # the kept ones wait on
            return False
        self._doubt = None
        if found:
            log.info("%s: the write in doubt was committed", self._shown)
            self._committed(doubt.results, len(doubt.chunks))
        else:
            log.info("%s: the write in doubt was not committed; writing it again", self._shown)
            self._requeue(doubt.chunks)
            error = LedgerError(f"{self._shown}: cannot write the ledger: the connection was lost")
            self._requeue_ops(self._fail(doubt.ops, error))
        return True

    def _requeue(self, chunks: dict[int, list[str]]) -> None:
        """Streamed text not written goes back in front of what came since."""
        for attempt_id, parts in chunks.items():
            self._chunks.setdefault(attempt_id, [])[:0] = parts

    def _requeue_ops(self, kept: list[_Pending]) -> None:
        """Kept ops not written go back in front of what came since."""
        self._ops[:0] = kept
        if kept:
            self._wake.set()

    @staticmethod
    def _fail(ops: list[_Pending], error: LedgerError, *, all_: bool = False) -> list[_Pending]:
        """Tell ``ops``' callers ``error``; the kept ones (unless ``all_``) are returned."""
        kept = []
        for pending in ops:
            if pending.keep and not all_:
                kept.append(pending)
            elif not pending.future.done():
                pending.future.set_exception(error)
        return kept

    def _give_up(self) -> None:
        """Closing while the server is away: what is left is told, and dropped."""
        error = LedgerError(f"{self._shown}: the ledger closed while the server was away")
        if self._doubt is not None:
            self._fail(self._doubt.ops, error, all_=True)
            self._doubt = None
        self._fail(self._ops, error, all_=True)
        self._ops = []
        self._chunks.clear()

    def pause(self) -> float:
        """The pause before the next try (0 while all goes well)."""
        if not self._failures:
            return 0.0
        return float(min(MAX_PAUSE_S, self._interval * 2 ** min(self._failures, 12)))

    def _failed(self, exc: BaseException) -> LedgerError:
        return LedgerError(f"{self._shown}: cannot write the ledger: {_line(exc)}")


def _line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
