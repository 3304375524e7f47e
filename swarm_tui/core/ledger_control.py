"""The public API's task commands on a bare ledger, with no orchestrator in this process:
what ``swarm-tui cancel|pause|resume|retry|prio|reassign|submit|decide`` do over SSH.

The checks and writes are :class:`~swarm_tui.core.control.Control`'s own (shared through
:mod:`swarm_tui.core.task_moves` and :mod:`swarm_tui.core.consensus.moves`). What needs the
process that runs an attempt is refused with a message saying so: a running task is
paused, cancelled or reassigned by the swarm-tui process running it. An orchestrator on the
same ledger sees every change at its next pass (it reads the queue and the flags from the
ledger); a conflict settled here reaches its performance figures when it starts again.
Consensus code loads only for the commands that read or settle a vote.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING

from swarm_tui.config.quick import CommandSettings
from swarm_tui.core.errors import ControlError
from swarm_tui.core.flags import AGENT_PAUSE, ALL_PAUSE, pause_in, resume_in
from swarm_tui.core.task_moves import (
    RESUME_FIELDS,
    move_task,
    read_task,
    reassign_fields,
    reassign_waiting,
    retry_fields,
    set_priority,
    submit_tasks,
)
from swarm_tui.domain.models import Attempt, Task, TaskSpec, TaskState
from swarm_tui.store.ledger import Ledger, Totals

if TYPE_CHECKING:
    from swarm_tui.core.consensus import ConsensusRecord

__all__ = ["LedgerControl"]

POLL_S = 0.1
"""How often :meth:`LedgerControl.changes` asks SQLite whether another connection wrote."""


async def _elsewhere(_task: Task) -> Task | None:
    return None  # no attempt runs in this process


class LedgerControl:
    def __init__(
        self, settings: CommandSettings, ledger: Ledger, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.clock = clock

    # ------------------------------------------------------------------ reads
    async def task(self, task_id: int) -> Task:
        return await read_task(self.ledger, task_id)

    async def tasks(self) -> list[Task]:
        return await self.ledger.list_tasks()

    async def attempts(self, task_id: int) -> list[Attempt]:
        return await self.ledger.attempts(task_id)

    async def totals(self) -> Totals:
        return await self.ledger.totals()

    async def consensus_record(self, task_id: int) -> ConsensusRecord | None:
        from swarm_tui.core.consensus.record import ConsensusRecord

        row = await self.ledger.consensus(task_id)
        return None if row is None else ConsensusRecord.from_json(row.record)

    async def conflicts(self) -> list[tuple[Task, ConsensusRecord]]:
        """Tasks waiting in ``needs_vote``, with the record that says what is contested."""
        if not await self.ledger.waiting_consensus():
            return []  # nothing waits: the consensus code is not even loaded
        from swarm_tui.core.consensus.moves import waiting_conflicts

        return await waiting_conflicts(self.ledger)

    async def changes(self, poll: float = POLL_S) -> AsyncIterator[None]:
        """Yields at once, then each time the ledger may have changed (any process
        committed), checking SQLite's ``data_version`` every ``poll`` seconds; runs until
        the caller stops. Read after each yield: nothing committed after the first can be
        missed."""
        seen = await self.ledger.data_version()
        yield
        while True:
            await asyncio.sleep(poll)
            version = await self.ledger.data_version()
            if version != seen:
                seen = version
                yield

    # ------------------------------------------------------------------ commands
    async def submit(
        self, specs: Sequence[TaskSpec], labels: Sequence[str] | None = None
    ) -> list[tuple[Task, bool]]:
        return await submit_tasks(self.ledger, self.settings, specs, labels, self.clock())

    async def _move(self, task_id: int, to: TaskState, action: str, **fields: object) -> Task:
        task, _moved = await move_task(
            self.ledger, task_id, to, action, self.clock, fields, _elsewhere
        )
        return task

    async def cancel(self, task_id: int) -> Task:
        return await self._move(task_id, TaskState.CANCELLED, "cancel")

    async def pause(self, task_id: int) -> Task:
        return await self._move(task_id, TaskState.PAUSED, "pause")

    async def resume(self, task_id: int) -> Task:
        return await self._move(task_id, TaskState.QUEUED, "resume", **RESUME_FIELDS)

    async def retry(self, task_id: int) -> Task:
        fields = retry_fields(await self.task(task_id))
        return await self._move(task_id, TaskState.QUEUED, "retry", **fields)

    async def set_priority(self, task_id: int, priority: int) -> Task:
        return await set_priority(self.ledger, task_id, priority, self.clock())

    async def reassign(
        self, task_id: int, *, agent: str | None = None, model: str | None = None
    ) -> Task:
        fields = reassign_fields(self.settings.full(), agent, model)
        task = await reassign_waiting(self.ledger, task_id, fields, self.clock())
        if task is None:  # running: refused, with the reason
            return await self._move(task_id, TaskState.QUEUED, "reassign", **fields)
        return task

    # ------------------------------------------------------------------ pauses
    async def _set_flag(self, name: str, on: bool) -> None:
        await self.ledger.set_flag(name, "1" if on else None, self.clock())

    async def pause_all(self, *, stop_running: bool = True) -> None:
        """The global pause, in the ledger: every orchestrator on it takes it (and stops its
        running attempts unless ``stop_running`` is False) through its change feed."""
        await pause_in(self.ledger, self._set_flag, ALL_PAUSE, stop_running)

    async def resume_all(self) -> None:
        await resume_in(self.ledger, self._set_flag, ALL_PAUSE)

    async def pause_agent(self, agent: str, *, stop_running: bool = True) -> None:
        self._known(agent)
        await pause_in(self.ledger, self._set_flag, f"{AGENT_PAUSE}{agent}", stop_running)

    async def resume_agent(self, agent: str) -> None:
        self._known(agent)
        await resume_in(self.ledger, self._set_flag, f"{AGENT_PAUSE}{agent}")

    def _known(self, agent: str) -> None:
        if agent not in self.settings.agents:
            raise ControlError(f"unknown agent {agent!r}")

    # ------------------------------------------------------------------ votes
    async def decide(self, task_id: int, label: str, note: str = "") -> Task:
        """The human picks candidate ``label`` (A, B, ...) of a task waiting in needs_vote."""
        from swarm_tui.core.consensus.moves import human_pick, settle_conflict, waiting_conflict

        task, attempt_id, record = await waiting_conflict(self.ledger, task_id)
        decided = human_pick(task_id, record, label, note)
        await settle_conflict(
            self.ledger,
            task,
            attempt_id,
            decided,
            cost=0.0,
            event="vote",
            now=self.clock(),
            # the whole config only where a code candidate's worktree is adopted (its project)
            settings=self.settings.full() if task.project else None,
        )
        return await self.task(task_id)
