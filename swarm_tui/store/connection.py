"""The ledger's SQLite connections: aiosqlite for awaited statements, plus a thread of its
own on which the group-commit writer runs plain functions of the same sqlite3 connection (a
whole batch in one round trip)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any, TypeVar

import aiosqlite

__all__ = ["LedgerConnection"]

T = TypeVar("T")


class _RawCalls:
    """One thread that runs plain functions of a sqlite3 connection in order: a queue in,
    ``call_soon_threadsafe`` out (aiosqlite's own mechanism; an executor costs twice as much
    per call)."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw
        self._queue: SimpleQueue[tuple[asyncio.Future[Any], Callable[..., Any]] | None]
        self._queue = SimpleQueue()
        self._thread = threading.Thread(target=self._work, name="ledger-raw", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            future, fn = item
            loop = future.get_loop()
            try:
                outcome: tuple[BaseException | None, Any] = (None, fn(self._raw))
            except BaseException as exc:  # the caller's to handle, on the loop
                outcome = (exc, None)
            with contextlib.suppress(RuntimeError):  # the loop is closed: no one to tell
                loop.call_soon_threadsafe(_settle, future, *outcome)

    async def call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put((future, fn))
        return await future

    def stop(self) -> None:
        self._queue.put(None)


def _settle(future: asyncio.Future[Any], exc: BaseException | None, result: Any) -> None:
    if future.done():  # the caller was cancelled meanwhile
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)


class LedgerConnection(aiosqlite.Connection):
    """An aiosqlite connection over a sqlite3 connection opened here (``raw``), which the
    group-commit writer also uses directly: :meth:`call_raw` runs a plain function of it on a
    thread of its own, many statements for one round trip. aiosqlite offers no public way to
    run a function on its thread, so the raw connection is opened with
    ``check_same_thread=False`` and its users take turns: the writer awaits each call (raw or
    through aiosqlite) before the next, and no one else writes on this connection."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        super().__init__(lambda: raw, 64)
        self.raw = raw
        self._raw_calls: _RawCalls | None = None

    async def call_raw(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._raw_calls is None:
            self._raw_calls = _RawCalls(self.raw)
        return await self._raw_calls.call(fn)

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            if self._raw_calls is not None:
                self._raw_calls.stop()
                self._raw_calls = None
