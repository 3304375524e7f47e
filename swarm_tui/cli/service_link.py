"""The one-line commands through a running service: its socket answers the calls of
:class:`~swarm_tui.cli.link.SwarmLink`, so a ``cancel`` stops the attempt in the service at
once and ``status --watch`` / ``logs -f`` wake on the service's events instead of polling
the ledger. Imported only when a socket lies beside the ledger.
"""

from __future__ import annotations

import asyncio
import contextlib
from asyncio import FIRST_COMPLETED
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from swarm_tui.config.quick import CommandSettings
from swarm_tui.core.bus import Event, Subscription
from swarm_tui.domain.events import StreamChunk
from swarm_tui.domain.models import Attempt, Task, TaskSpec
from swarm_tui.hw.events import HardwareSampled
from swarm_tui.service.client import ServiceClient, ServiceError
from swarm_tui.store.records import Totals

if TYPE_CHECKING:
    from swarm_tui.core.consensus import ConsensusRecord

__all__ = ["CONNECT_WAIT", "ServiceError", "ServiceLink"]

CONNECT_WAIT = 2.0
"""Seconds a command waits for the service's hello before it takes the ledger instead."""


class ServiceLink:
    """:class:`~swarm_tui.cli.link.SwarmLink` over a :class:`ServiceClient`; ``settings``
    are this process's config (for the checks a command makes before it asks)."""

    def __init__(self, settings: CommandSettings, client: ServiceClient) -> None:
        self.settings = settings
        self.client = client

    @classmethod
    async def connect(cls, settings: CommandSettings, ledger: Path) -> ServiceLink:
        """:class:`ServiceError` when no service answers within :data:`CONNECT_WAIT`."""
        return cls(settings, await ServiceClient.connect(ledger, wait=CONNECT_WAIT))

    async def close(self) -> None:
        await self.client.close()

    # ------------------------------------------------------------------ reads
    async def task(self, task_id: int) -> Task:
        return await self.client.task(task_id)

    async def tasks(self) -> list[Task]:
        return await self.client.tasks()

    async def attempts(self, task_id: int) -> list[Attempt]:
        return await self.client.attempts(task_id)

    async def totals(self) -> Totals:
        return await self.client.totals()

    async def consensus_record(self, task_id: int) -> ConsensusRecord | None:
        return await self.client.consensus_record(task_id)

    async def conflicts(self) -> list[tuple[Task, ConsensusRecord]]:
        return await self.client.conflicts()

    async def changes(self, poll: float | None = None) -> AsyncIterator[None]:
        """Yields at once (subscribed first, so nothing after it is missed), then after each
        batch of the service's events (hardware samples aside). Streamed text reaches the
        ledger a commit interval after its event: after stream events, one more look comes
        ``poll`` seconds later (default: twice the configured ``commit_interval_ms``) even
        when nothing else happens. Raises :class:`ServiceError` when the service goes away."""
        later = 2 * self.settings.commit_interval_ms / 1000 if poll is None else poll
        client = self.client
        sub = client.bus.subscribe()
        try:
            await client.subscribe()
            yield
            streaming = False
            while True:
                batch = await self._next(sub, later if streaming else None)
                if batch is None:  # the look after a stream's last event
                    streaming = False
                    yield
                    continue
                streaming = any(isinstance(e, StreamChunk) for e in batch)
                if any(not isinstance(e, HardwareSampled) for e in batch):
                    yield
        finally:
            sub.close()

    async def _next(self, sub: Subscription, within: float | None) -> list[Event] | None:
        """The next batch of events; None when ``within`` seconds passed first."""
        client = self.client
        batch = asyncio.ensure_future(sub.get())
        lost = asyncio.ensure_future(client.lost.wait())
        try:
            await asyncio.wait((batch, lost), timeout=within, return_when=FIRST_COMPLETED)
        finally:
            for waiter in (batch, lost):
                waiter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waiter
        if client.lost.is_set():
            raise ServiceError(client.lost_reason)
        if not batch.done() or batch.cancelled():
            return None
        events = batch.result()
        if not events:  # the subscription ended
            raise ServiceError("the service's events ended")
        return events

    # ------------------------------------------------------------------ commands
    async def submit(
        self, specs: Sequence[TaskSpec], labels: Sequence[str] | None = None
    ) -> list[tuple[Task, bool]]:
        return await self.client.submit(specs, labels)

    async def cancel(self, task_id: int) -> Task:
        return await self.client.cancel(task_id)

    async def pause(self, task_id: int) -> Task:
        return await self.client.pause(task_id)

    async def resume(self, task_id: int) -> Task:
        return await self.client.resume(task_id)

    async def retry(self, task_id: int) -> Task:
        return await self.client.retry(task_id)

    async def set_priority(self, task_id: int, priority: int) -> Task:
        return await self.client.set_priority(task_id, priority)

    async def reassign(
        self, task_id: int, *, agent: str | None = None, model: str | None = None
    ) -> Task:
        return await self.client.reassign(task_id, agent=agent, model=model)

    async def decide(self, task_id: int, label: str, note: str = "") -> Task:
        return await self.client.decide(task_id, label, note)

    async def pause_all(self, *, stop_running: bool = True) -> None:
        await self.client.pause_all(stop_running=stop_running)

    async def resume_all(self) -> None:
        await self.client.resume_all()

    async def pause_agent(self, agent: str, *, stop_running: bool = True) -> None:
        await self.client.pause_agent(agent, stop_running=stop_running)

    async def resume_agent(self, agent: str) -> None:
        await self.client.resume_agent(agent)
