"""The watcher that keeps the ledger in step with Serena's memory files.

Every ``interval`` seconds (half a second by default) each file-backed project's folder is
scanned (a stat per file; a file is read only when its size or time changed) and what
changed goes into the ledger (``FileBook.sync``). The ledger's change feed carries it to
rooms in other processes; this process's own room hears of it through the book's
``on_change``, which :func:`memory_bus_notice` turns into a ``RecordChanged`` on the bus.
A scan that fails (a folder removed, a ledger hiccup) is logged and tried again next round.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from swarm_tui.core.bus import EventBus
from swarm_tui.core.memory_books import MemoryBooks, OnChange
from swarm_tui.domain.events import RecordChanged
from swarm_tui.store.db import LedgerError

__all__ = ["SYNC_INTERVAL_S", "MemorySync", "memory_bus_notice"]

log = logging.getLogger("swarm_tui.mcp.memory")

SYNC_INTERVAL_S = 0.5
"""Between two scans of the memory folders."""


def memory_bus_notice(bus: EventBus) -> OnChange:
    """``on_change`` for books: each change as ``RecordChanged("memory", "project/name")``."""

    def told(project: str, name: str) -> None:
        bus.publish(RecordChanged("memory", f"{project}/{name}"))

    return told


class MemorySync:
    def __init__(self, books: MemoryBooks, interval: float = SYNC_INTERVAL_S) -> None:
        self.books = books
        self.interval = interval
        self._job: asyncio.Task[None] | None = None

    async def sync_once(self) -> list[str]:
        """One round over every file-backed project: ``project/name`` of what changed."""
        changed: list[str] = []
        for book in self.books.file_books():
            try:
                changed += [f"{book.project}/{name}" for name in await book.sync()]
            except (OSError, LedgerError) as exc:
                log.warning("memory files of project %s: %s", book.project, exc)
        return changed

    async def _run(self) -> None:
        while True:
            await self.sync_once()
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        """Sync in the background until :meth:`stop` (nothing to do without a project that
        has Serena memories: the round is a few stats)."""
        if self._job is None:
            self._job = asyncio.get_running_loop().create_task(self._run(), name="memory-sync")

    async def stop(self) -> None:
        job, self._job = self._job, None
        if job is not None:
            job.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await job
