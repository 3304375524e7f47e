"""The one writer task: group-commits ledger writes, never a commit per token.

``run(op)`` returns once the op's transaction is committed (durable before reported done).
``append_output`` buffers streamed text per attempt; buffered text is committed at most
``interval`` seconds later, and always before any op queued after it.
Each op runs inside a SAVEPOINT so one failing op does not undo the others in its batch.

``run_sync(fn)`` takes a plain function of the :class:`sqlite3.Connection`: consecutive sync
ops (with BEGIN, the buffered appends and COMMIT) run as one call on the connection's thread,
so a batch costs one thread round trip instead of several per statement.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiosqlite

from swarm_tui.store.changes import OwnWrites, feed_seq
from swarm_tui.store.connection import LedgerConnection
from swarm_tui.store.db import LedgerError

__all__ = ["GroupWriter", "SyncOp", "WriteOp"]

T = TypeVar("T")
WriteOp = Callable[[aiosqlite.Connection], Awaitable[T]]
SyncOp = Callable[[sqlite3.Connection], T]
_Result = tuple["_Pending", BaseException | None, Any]


@dataclass(slots=True)
class _Pending:
    op: WriteOp[Any] | None
    future: asyncio.Future[Any]
    sync: SyncOp[Any] | None = None


def _nothing(_: sqlite3.Connection) -> None:
    return None


def _run_segment(
    raw: sqlite3.Connection,
    chunks: dict[int, list[str]] | None,
    ops: list[_Pending],
    commit: bool,
    own: tuple[OwnWrites, list[int]] | None = None,
) -> list[_Result]:
    """On the connection's thread: BEGIN and the appends (first segment), sync ops each in a
    SAVEPOINT, COMMIT (last segment). ``own``: where to note the feed numbers this
    transaction logged (the number before it is kept in the list between segments)."""
    if chunks is not None:
        raw.execute("BEGIN IMMEDIATE")
        if own is not None:  # the write lock is held: the feed's numbers are ours from here
            own[1][:] = [feed_seq(raw)]
        raw.executemany(
            "UPDATE attempts SET output = output || ? WHERE id = ? AND state = 'running'",
            [("".join(parts), attempt_id) for attempt_id, parts in chunks.items()],
        )
    results: list[_Result] = []
    for pending in ops:
        assert pending.sync is not None
        raw.execute("SAVEPOINT op")
        try:
            value = pending.sync(raw)
        except Exception as exc:  # the op's own failure goes to its caller
            raw.execute("ROLLBACK TO op")
            raw.execute("RELEASE op")
            results.append((pending, exc, None))
        else:
            raw.execute("RELEASE op")
            results.append((pending, None, value))
    if commit:
        if own is None:
            raw.execute("COMMIT")
        else:
            writes, (before,) = own
            last = feed_seq(raw)
            writes.add(before, last)  # before the COMMIT: no reader sees these rows sooner
            try:
                raw.execute("COMMIT")
            except BaseException:
                writes.retract(before, last)
                raise
    return results


class GroupWriter:
    def __init__(
        self, conn: LedgerConnection, *, interval: float = 0.05, own: OwnWrites | None = None
    ) -> None:
        self._conn = conn
        self._interval = interval
        self._own = own
        """Where the feed numbers of each committed transaction go (store/changes.py)."""
        self._ops: list[_Pending] = []
        self._chunks: dict[int, list[str]] = {}
        self._wake = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self.commits = 0
        """Transactions committed so far (for tests and benchmarks)."""
        self.chunk_rows = 0
        """Output appends written (one per attempt per commit, however many chunks)."""

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="ledger-writer")

    async def close(self) -> None:
        """Commit everything pending, then stop."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    def run(self, op: WriteOp[T]) -> asyncio.Future[T]:
        if self._closing and self._task is None:
            raise LedgerError("the ledger writer is closed")
        fut: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._ops.append(_Pending(op, fut))
        self._wake.set()
        return fut

    def run_sync(self, op: SyncOp[T]) -> asyncio.Future[T]:
        """Like :meth:`run` for a plain function of the sqlite3 connection (runs on its
        thread, batched with the other sync ops of the commit in one round trip)."""
        if self._closing and self._task is None:
            raise LedgerError("the ledger writer is closed")
        fut: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._ops.append(_Pending(None, fut, op))
        self._wake.set()
        return fut

    def append_output(self, attempt_id: int, text: str) -> None:
        if text:
            first = not self._chunks
            self._chunks.setdefault(attempt_id, []).append(text)
            if first or self._closing:
                self._wake.set()  # start the interval clock (or flush now when closing)

    async def flush(self) -> None:
        """Wait until everything buffered so far is committed."""

        await self.run_sync(_nothing)

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
        results: list[_Result] = []
        conn = self._conn
        own = None if self._own is None else (self._own, [0])
        try:
            start, first = 0, True
            while True:  # sync runs in one hop each (the first with BEGIN, the last COMMIT)
                end = start
                while end < len(ops) and ops[end].sync is not None:
                    end += 1
                last = end == len(ops)
                if first or last or end > start:
                    results += await conn.call_raw(
                        functools.partial(
                            _run_segment, chunks=chunks if first else None,
                            ops=ops[start:end], commit=last, own=own,
                        ),
                    )  # fmt: skip
                    first = False
                if last:
                    break
                results.append(await self._run_async(conn, ops[end]))
                start = end + 1
        except sqlite3.Error as exc:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    await conn.rollback()
            # Keep streamed text for the next try; tell every waiting caller.
            for attempt_id, parts in chunks.items():
                self._chunks.setdefault(attempt_id, [])[:0] = parts
            error = LedgerError(f"cannot write the ledger: {exc}")
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
        for pending, failure, value in results:
            if pending.future.done():
                continue
            if isinstance(failure, sqlite3.OperationalError):  # a full disk, I/O: say so
                failure = LedgerError(f"cannot write the ledger: {failure}")
            if failure is not None:
                pending.future.set_exception(failure)
            else:
                pending.future.set_result(value)

    @staticmethod
    async def _run_async(conn: aiosqlite.Connection, pending: _Pending) -> _Result:
        assert pending.op is not None
        await conn.execute("SAVEPOINT op")
        try:
            value = await pending.op(conn)
        except Exception as exc:  # the op's own failure goes to its caller
            await conn.execute("ROLLBACK TO op")
            await conn.execute("RELEASE op")
            return (pending, exc, None)
        await conn.execute("RELEASE op")
        return (pending, None, value)
