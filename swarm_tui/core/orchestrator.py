"""The orchestrator: schedules queued tasks onto agents and models, runs attempts, recovers.

A small facade over its parts (:mod:`swarm_tui.core.parts`); it adds the run's life to the
public API of :class:`~swarm_tui.core.control.Control`: start (recover what a previous run
left), the scheduling loop, and stop. It never imports Textual. The CLI, the headless run
and the TUI all drive it through that API and watch it through :attr:`Orchestrator.bus`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from swarm_tui.core.abandoned import settle_recovered
from swarm_tui.core.control import Control
from swarm_tui.core.orphans import stop_left_children
from swarm_tui.core.quality_evidence import load_evidence
from swarm_tui.core.running import Running
from swarm_tui.domain.models import Attempt
from swarm_tui.store.db import LedgerError

__all__ = ["Orchestrator", "Running"]

log = logging.getLogger("swarm_tui.orchestrator")


STOP_GRACE_S = 10.0
"""How long a shutdown waits for the stopped attempts' ends to be written (a PostgreSQL
ledger whose server is away keeps them until it is back)."""


def _recovered(_attempt: Attempt) -> str:
    return "recovered"


class Orchestrator(Control):
    _heartbeat: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Recover what a previous run left running, then start the heartbeat."""
        if self._started:
            return
        self._started = True
        now = self.clock()
        hold_after = self.settings.orchestrator.max_abandoned
        upkeep = self.parts.upkeep
        lost = await self.ledger.recover(upkeep.is_dead, now, hold_after=hold_after)
        await settle_recovered(self.settings, self.ledger, self.bus, lost, now, _recovered)
        if lost:
            log.info("recovered %d attempt(s) left running by a previous run", len(lost))
        await stop_left_children(self.settings, self.ledger, self.bus, now)
        self.flags.replace(await self.ledger.flags())
        await load_evidence(self.ledger, self.performance)  # evals, shadow samples: routing
        await self.spending.refresh()
        await self.spending.check()
        self._heartbeat = asyncio.create_task(upkeep.heartbeat(), name="heartbeat")

    async def stop(self) -> None:
        """Stop running attempts (partial output kept, tasks re-queued), flush, close."""
        self.parts.scheduler.stopping = True
        self.wake()
        await self.load.stop(list(self.running), "shutdown", grace=STOP_GRACE_S)
        await self.spending.drain()
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
        await self.parts.journal.flush()
        for provider in self.providers.values():
            try:
                await provider.close()
            except Exception as exc:  # closing must go on for the others
                log.warning("closing provider %s: %s", provider.name, self.redactor(str(exc)))

    async def run(self, *, until_idle: bool = False) -> None:
        """Schedule until :meth:`stop` (or, with ``until_idle``, until nothing can run)."""
        await self.start()
        poll = self.settings.orchestrator.poll_seconds
        scheduler, upkeep = self.parts.scheduler, self.parts.upkeep
        last_version = -1
        while not scheduler.stopping:
            self._wake.clear()
            try:  # a locked ledger or a full disk: wait it out, never end the run
                await upkeep.recover_orphans()
                version = await self.ledger.data_version()
                if version != last_version:
                    self.flags.replace(await self.ledger.flags())
                    last_version = version
                dispatched = await scheduler.tick()
                idle = (
                    until_idle and not self.running and dispatched == 0 and await scheduler.idle()
                )
            except LedgerError as exc:
                await asyncio.sleep(upkeep.ledger_trouble(exc))
                continue
            upkeep.ledger_ok()
            if idle and not self.load.orphans:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), poll)
