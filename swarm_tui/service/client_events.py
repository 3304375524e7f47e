"""The service's events on a client's own bus, and what a room reads without waiting kept
current from them: the pause flags, the attempts running, the tool calls held for a person.

When the connection goes, the attempts this side showed running end on its bus as
:data:`LOST_STATE` (the service tells what still runs when the client attaches again).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from swarm_tui.core.bus import Event, EventBus, Subscription
from swarm_tui.core.errors import ControlError
from swarm_tui.domain.events import AttemptEnded, AttemptStarted, FlagChanged, Notice, ToolActivity
from swarm_tui.service.client_socket import ServiceError, SocketClient
from swarm_tui.service.protocol import parse_event

if TYPE_CHECKING:
    from swarm_tui.core.approvals import PendingApproval

__all__ = ["APPROVALS_EVERY", "LOST_STATE", "EventClient"]

LOST_STATE = "service lost"
"""How an attempt the client saw running ends on its bus when the service goes away."""

APPROVALS_EVERY = 1.0
"""Seconds between reads of the held tool calls while any is held (a new one is told by a
notice at once)."""


class EventClient(SocketClient):
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        hello: dict[str, Any],
        ledger: Path | None = None,
    ) -> None:
        self.bus = EventBus()
        """The service's events, once :meth:`subscribe` was called (as ``orch.bus``)."""
        self.flags: dict[str, str] = {}
        """The pause flags, kept current from the events after :meth:`subscribe`."""
        self.running: dict[int, AttemptStarted] = {}
        """The attempts the service runs now, by attempt id (kept from the events)."""
        self.clock: Callable[[], float] = time.time
        self._interactive = False
        self._subscribed = False
        self._approvals: list[PendingApproval] = []
        self._approvals_job: asyncio.Task[None] | None = None
        self._subs: list[Subscription] = []
        super().__init__(reader, writer, hello, ledger)

    # ------------------------------------------------------------------ events in
    def _on_event(self, message: dict[str, Any]) -> None:
        event = parse_event(message)
        if event is None:
            return
        if isinstance(event, FlagChanged):
            if event.value is None:
                self.flags.pop(event.name, None)
            else:
                self.flags[event.name] = event.value
        elif isinstance(event, AttemptStarted):
            self.running[event.attempt_id] = event
        elif isinstance(event, AttemptEnded):
            self.running.pop(event.attempt_id, None)
        if self._interactive and isinstance(event, Notice | ToolActivity | AttemptEnded):
            self._read_approvals()  # a call held or let go (a notice says when one is held)
        self.bus.publish(event)

    def _on_lost(self, reason: str) -> None:
        for sub in self._subs:
            sub.close()
        self._approvals = []
        # What this side showed running is not known any more: it ends here, as lost; the
        # service tells what still runs when the client attaches again.
        running, self.running = self.running, {}
        for s in running.values():
            self.bus.publish(AttemptEnded(s.task_id, s.attempt_id, LOST_STATE, reason, None))

    def _reattached(self) -> None:
        self._subscribed = False  # subscribe again: the events, and the live streams as they stand

    async def close(self) -> None:
        if self._approvals_job is not None:
            self._approvals_job.cancel()
        await super().close()

    # ------------------------------------------------------------------ subscribing
    async def subscribe(self, *, interactive: bool = False) -> None:
        """Receive the service's events on :attr:`bus` (``interactive``: a person can answer
        approvals here, so the service holds calls under ``ask`` for one)."""
        self._interactive = self._interactive or interactive
        await self.call("subscribe", interactive=self._interactive)
        self.flags = dict(await self.call("flags"))
        self._subscribed = True
        if self._interactive:
            self._read_approvals()

    def set_interactive(self, interactive: bool) -> None:
        """A person can answer held tool calls here (as ``Control.set_interactive``); told
        to the service with the next :meth:`subscribe`, or now when subscribed already."""
        if interactive and not self._interactive and self._subscribed:
            asyncio.get_running_loop().create_task(self.subscribe(interactive=True))
        self._interactive = interactive

    async def events(self) -> AsyncIterator[Event]:
        """Every event from now on, until the connection ends (subscribes if needed)."""
        sub = self.bus.subscribe()
        self._subs.append(sub)
        try:
            await self.subscribe()
            async for event in sub:
                yield event
        finally:
            sub.close()
            self._subs.remove(sub)

    # ------------------------------------------------------------------ read without waiting
    def paused_all(self) -> bool:
        return self.flags.get("paused_all") == "1"

    def agent_paused(self, agent: str) -> bool:
        return self.flags.get(f"paused_agent:{agent}") == "1"

    async def fetch_approvals(self) -> list[PendingApproval]:
        """The tool calls the service holds for a person now (read from it)."""
        result: list[PendingApproval] = await self._typed("pending_approvals")
        self._approvals = result
        return result

    def pending_approvals(self) -> list[PendingApproval]:
        """The held tool calls as last read (kept current while :meth:`subscribe` d with
        ``interactive``: read again on every sign of a change, and each second while any is
        held)."""
        return list(self._approvals)

    def _read_approvals(self) -> None:
        if self._approvals_job is None or self._approvals_job.done():
            self._approvals_job = asyncio.get_running_loop().create_task(self._follow_approvals())

    async def _follow_approvals(self) -> None:
        with contextlib.suppress(ServiceError, ControlError):
            while not self.lost.is_set():
                await self.fetch_approvals()
                if not self._approvals:
                    return
                await asyncio.sleep(APPROVALS_EVERY)
