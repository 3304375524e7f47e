"""The orchestrator's upkeep: the heartbeat (leases renewed, lost attempts recovered) and
riding out a ledger that cannot be written for a while (locked by another process, a full
disk).

A ledger fault never ends the run: the scheduling pass that hit it is retried with a growing
pause (one notice per episode, one when it is over), and an attempt whose end could not be
recorded is given up as soon as the ledger takes writes again — its partial output kept, its
task queued again — so nothing waits for its lease to expire.

An orchestrator that is alive keeps its attempts, however long the ledger was away: its own
recovery never gives up an attempt it still runs (``keep``), whatever its lease says. Another
host's recovery may take one whose lease truly lapsed on the server (a PostgreSQL ledger away
past ``lease_seconds``): the next renewal misses it, and it is stopped here (partial output
kept; its end is fenced, so its task ends once, by its next attempt).

A part of :class:`~swarm_tui.core.orchestrator.Orchestrator`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from swarm_tui.config import Settings
from swarm_tui.core.abandoned import settle_recovered
from swarm_tui.core.bus import EventBus
from swarm_tui.core.load import Load
from swarm_tui.core.owner import is_dead
from swarm_tui.domain.events import Notice
from swarm_tui.domain.models import Attempt, AttemptState
from swarm_tui.store.db import LedgerError
from swarm_tui.store.ledger import Ledger

__all__ = ["Upkeep"]

log = logging.getLogger("swarm_tui.orchestrator")

MAX_PAUSE_S = 30.0


class Upkeep:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        bus: EventBus,
        clock: Callable[[], float],
        *,
        owner: str,
        load: Load,
        wake: Callable[[], None],
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.bus = bus
        self.clock = clock
        self.owner = owner
        self.load = load
        self.wake = wake
        self._trouble: str | None = None
        self._trouble_count = 0

    def is_dead(self, owner: str) -> bool:
        """Whether another process that owned attempts is gone (never this one)."""
        return owner != self.owner and is_dead(owner)

    # ------------------------------------------------------------------ ledger faults
    def ledger_trouble(self, exc: LedgerError, *, count: bool = True) -> float:
        """Note a failed pass; returns how long to pause before the next one. Told once per
        episode (a server away for an hour is one notice, and one when it is back);
        ``count=False``: the heartbeat's failure, the same news (the pause is the pass's)."""
        self._trouble_count += 1 if count else 0
        if self._trouble is None:
            text = f"{exc}; the run waits and retries (nothing is lost)"
            log.warning("%s", text)
            self.bus.publish(Notice("error", text))
        self._trouble = str(exc)
        poll = self.settings.orchestrator.poll_seconds
        return float(min(MAX_PAUSE_S, poll * 2 ** min(self._trouble_count - 1, 5)))

    def ledger_ok(self) -> None:
        if self._trouble is not None:
            log.info("the ledger can be written again")
            self.bus.publish(Notice("information", "the ledger can be written again"))
        self._trouble, self._trouble_count = None, 0

    async def recover_orphans(self) -> None:
        """Give up the attempts whose end could not be recorded; their tasks run again."""
        if not self.load.orphans:
            return
        ids = set(self.load.orphans)
        now = self.clock()
        lost = await self.ledger.recover(
            self.is_dead,
            now,
            orphans=ids,
            hold_after=self.settings.orchestrator.max_abandoned,
            keep=list(self.load.running),
        )
        self.load.orphans -= ids

        def reason(attempt: Attempt) -> str:
            return "queued again: " + (
                "its end could not be recorded" if attempt.id in ids else "its lease expired"
            )

        await settle_recovered(self.settings, self.ledger, self.bus, lost, now, reason)
        if lost:
            self.wake()

    # ------------------------------------------------------------------ heartbeat
    async def heartbeat(self) -> None:
        """Renew this process's leases (its attempts' and its provider slot holds') and
        recover others' expired ones, until cancelled."""
        cfg = self.settings.orchestrator
        while True:
            await asyncio.sleep(cfg.heartbeat_seconds)
            now = self.clock()
            try:
                until = now + cfg.lease_seconds
                if running := list(self.load.running):
                    renewed = await self.ledger.renew_leases(self.owner, now, until, ids=running)
                    if renewed < len(running):
                        await self._taken(running)
                if held := list(self.load.slots.held):  # consensus calls' provider slots
                    await self.ledger.renew_slots(self.owner, now, until, held)
                lost = await self.ledger.recover(
                    self.is_dead, now, hold_after=cfg.max_abandoned, keep=list(self.load.running)
                )
            except LedgerError as exc:  # locked, full, or its server away: told once
                self.ledger_trouble(exc, count=False)
                continue
            except Exception as exc:  # a locked or full disk must not end the run
                self.bus.publish(Notice("error", f"ledger heartbeat failed: {exc}"))
                continue
            try:
                await settle_recovered(
                    self.settings, self.ledger, self.bus, lost, now, lambda _a: "lease expired"
                )
            except LedgerError as exc:  # as above: told once, never the end of the run
                self.ledger_trouble(exc, count=False)
            except Exception as exc:
                self.bus.publish(Notice("error", f"ledger heartbeat failed: {exc}"))
            if lost:
                self.wake()

    async def _taken(self, ids: list[int]) -> None:
        """Some of our attempts were not renewed: those another process's recovery gave up
        (their lease lapsed while the ledger was away) are stopped here, their partial output
        kept (their end is fenced: the task ends once, by its next attempt)."""
        taken = [
            a
            for a in await self.ledger.attempts_by_id(ids)
            if a.state is AttemptState.ABANDONED and a.id in self.load.running
        ]
        if not taken:
            return  # they ended meanwhile, as they should
        for a in taken:
            text = (
                f"task #{a.task_id}: attempt {a.id} was taken by another orchestrator's"
                " recovery (its lease lapsed while the ledger was away); stopped here, its"
                " partial output kept; the task runs again"
            )
            log.warning("%s", text)
            self.bus.publish(Notice("warning", text))
        await self.load.stop([a.id for a in taken], "requeue")
        self.wake()
