"""Pauses of an agent or of the whole swarm, from this process or from another.

A pause is a flag in the ledger (``core/flags.py``), so every process hears of it through
the change feed. Whether it leaves running attempts alone is written first, in the ledger
too; a pause that stops them stops the ones it covers here (partial output kept, tasks
re-queued), whichever process set it.
"""

from __future__ import annotations

from collections.abc import Callable

from swarm_tui.core.bus import EventBus
from swarm_tui.core.flags import (
    ALL_PAUSE,
    KEEP_RUNNING,
    Flags,
    keep_running,
    pause_in,
    paused_agent,
    resume_in,
)
from swarm_tui.core.load import Load
from swarm_tui.domain.events import FlagChanged
from swarm_tui.store.ledger import Ledger

__all__ = ["Pauses"]


class Pauses:
    def __init__(
        self,
        ledger: Ledger,
        flags: Flags,
        load: Load,
        bus: EventBus,
        wake: Callable[[], None],
        clock: Callable[[], float],
    ) -> None:
        self.ledger = ledger
        self.flags, self.load, self.bus, self.wake, self.clock = flags, load, bus, wake, clock

    async def set_flag(self, name: str, on: bool) -> None:
        value = "1" if on else None
        await self.ledger.set_flag(name, value, self.clock())
        if on:
            self.flags[name] = "1"
        else:
            self.flags.pop(name, None)
        self.bus.publish(FlagChanged(name, value))
        self.wake()

    async def pause(self, flag: str, stop_running: bool) -> None:
        """Set the pause ``flag``; say first, in the ledger, whether it leaves running
        attempts alone, so that every process that hears of it (:meth:`flag_elsewhere`)
        knows. Stops this process's attempts that it pauses when ``stop_running``."""
        await pause_in(self.ledger, self.set_flag, flag, stop_running)
        if stop_running:
            await self.load.stop(self._paused_by(flag), "requeue")

    async def resume(self, flag: str) -> None:
        await resume_in(self.ledger, self.set_flag, flag)

    def _paused_by(self, flag: str) -> list[int]:
        """This process's running attempts that the pause ``flag`` covers."""
        running = self.load.running
        if flag == ALL_PAUSE:
            return list(running)
        agent = paused_agent(flag)
        return [i for i, r in running.items() if agent and r.run.attempt.agent == agent]

    async def flag_elsewhere(self, name: str, value: str | None) -> None:
        """Another process set (or cleared) flag ``name`` in the ledger (the change feed):
        take it. A pause that stops running attempts (set, or its ``keep_running`` mark
        cleared by a pause that stops) stops those it covers here as :meth:`pause` does,
        each time one is written (as a pause here does, paused already or not; the run loop
        may have read the flag first): partial output kept, tasks re-queued."""
        if value is None:
            self.flags.pop(name, None)
        else:
            self.flags[name] = value
        self.wake()
        pause = name.removeprefix(KEEP_RUNNING)
        if not (pause == ALL_PAUSE or paused_agent(pause)):
            return
        if name == pause and value != "1":
            return  # a resume
        if name != pause and value is not None:
            return  # a pause that keeps running work
        stopping = self._paused_by(pause)
        if not stopping:
            return
        now = await self.ledger.flags()  # the ledger's word, not the order of this batch
        if now.get(pause) == "1" and keep_running(pause) not in now:
            await self.load.stop(stopping, "requeue")
