"""Resilience events the user can see: published on the bus and kept in the ledger.

Each goes to the ledger's ``events`` table (kind ``retry_scheduled``, ``breaker_changed``,
``fallback_used``, ``cli_session``...) with its fields as JSON, through the group-commit
writer. ``emit`` is for synchronous callers (breakers change state inside routing); its
writes are awaited by :meth:`Journal.flush`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from swarm_tui.core.bus import Event, EventBus
from swarm_tui.store.ledger import Ledger

__all__ = ["Journal", "event_kind"]

log = logging.getLogger("swarm_tui.journal")


def event_kind(event: Event) -> str:
    """``RetryScheduled`` -> ``retry_scheduled``; ``SessionRecorded`` -> ``cli_session``."""
    name = type(event).__name__
    if name == "SessionRecorded":
        return "cli_session"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Journal:
    def __init__(
        self, ledger: Ledger, bus: EventBus, clock: Callable[[], float] = time.time
    ) -> None:
        self.ledger = ledger
        self.bus = bus
        self.clock = clock
        self._pending: set[asyncio.Task[None]] = set()

    async def record(self, event: Event) -> None:
        """Publish ``event`` and write it to the ledger before returning."""
        self.bus.publish(event)
        await self._write(event)

    def emit(self, event: Event) -> None:
        """Publish now; write in the background (awaited by :meth:`flush`)."""
        self.bus.publish(event)
        try:
            task = asyncio.get_running_loop().create_task(self._write(event))
        except RuntimeError:  # no loop (a synchronous caller in a test): bus only
            return
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def flush(self) -> None:
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def _write(self, event: Event) -> None:
        data: dict[str, Any] = dataclasses.asdict(event)
        task_id = data.pop("task_id", None)
        attempt_id = data.pop("attempt_id", None)
        kind, now = event_kind(event), self.clock()

        try:
            await self.ledger.log_event(now, kind, task_id, attempt_id, data)
        except Exception as exc:  # the bus already has it; a full disk must not end the run
            log.warning("could not journal %s: %s", kind, exc)
