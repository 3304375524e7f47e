"""The orchestrator's public API: what the CLI, the TUI and MCP tools call.

Every command validates first and writes nothing when it refuses; a refusal raises
:class:`ControlError` (or :class:`InvalidTransition`) with a message a person can act on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from swarm_tui.config import Settings
from swarm_tui.core.bus import EventBus
from swarm_tui.core.task_moves import (
    RESUME_FIELDS,
    ControlError,
    move_task,
    read_task,
    reassign_fields,
    reassign_waiting,
    retry_fields,
    set_priority,
    submit_tasks,
)
from swarm_tui.domain.events import FlagChanged, TaskChanged
from swarm_tui.domain.models import Attempt, Task, TaskSpec, TaskState
from swarm_tui.domain.task_row import TaskRow
from swarm_tui.store.ledger import Ledger, Totals
from swarm_tui.store.task_rows import QueueStart

if TYPE_CHECKING:
    from swarm_tui.core.orchestrator import Running

__all__ = ["Control", "ControlError"]


class Control:
    settings: Settings
    ledger: Ledger
    bus: EventBus
    clock: Callable[[], float]
    running: dict[int, Running]
    flags: dict[str, str]

    async def _stop_attempts(self, attempt_ids: list[int], reason: str) -> None:
        raise NotImplementedError

    def wake(self) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ reads
    async def task(self, task_id: int) -> Task:
        return await read_task(self.ledger, task_id)

    async def tasks(self) -> list[Task]:
        return await self.ledger.list_tasks()

    async def recent_rows(self, finished: int, queued: int) -> QueueStart:
        """The queue view's start: rows of the running, paused and voting tasks, the first
        ``queued`` queued ones and the newest ``finished`` finished ones; counts per state."""
        return await self.ledger.recent_task_rows(finished, queued)

    async def queued_rows(self, after: tuple[int, int] | None, limit: int) -> list[TaskRow]:
        """Rows of up to ``limit`` queued tasks after ``(priority, id)`` in dispatch order."""
        return await self.ledger.queued_task_rows(after, limit)

    async def older_rows(self, before_id: int, limit: int) -> list[TaskRow]:
        """Rows of up to ``limit`` finished tasks older than ``before_id``, newest first."""
        return await self.ledger.older_task_rows(before_id, limit)

    async def attempts(self, task_id: int) -> list[Attempt]:
        return await self.ledger.attempts(task_id)

    async def totals(self) -> Totals:
        return await self.ledger.totals()

    # ------------------------------------------------------------------ submit
    async def submit(
        self, specs: Sequence[TaskSpec], labels: Sequence[str] | None = None
    ) -> list[tuple[Task, bool]]:
        """Add tasks (all or none). Returns each task and whether it was new (keys dedupe)."""
        out = await submit_tasks(self.ledger, self.settings, specs, labels, self.clock())
        for task, _new in sorted((t for t in out if t[1]), key=lambda t: t[0].id):
            self.bus.publish(TaskChanged(task.id, TaskState.QUEUED, "submitted"))
        self.wake()
        return out

    # ------------------------------------------------------------------ task commands
    def _attempt_of(self, task_id: int) -> int | None:
        for attempt_id, entry in self.running.items():
            if entry.run.attempt.task_id == task_id:
                return attempt_id
        return None

    async def _move(self, task_id: int, to: TaskState, action: str, **fields: object) -> Task:
        """Move a task that is not running here; a running one is stopped with ``action``."""

        async def stop(task: Task) -> Task | None:
            attempt_id = self._attempt_of(task.id)
            if attempt_id is None:
                return None  # running in another process
            if fields:
                await self.ledger.update_task(task.id, self.clock(), action, **fields)
            await self._stop_attempts([attempt_id], action)
            return await self.task(task.id)

        task, moved = await move_task(self.ledger, task_id, to, action, self.clock, fields, stop)
        if moved:
            self.bus.publish(TaskChanged(task_id, to, action))
            self.wake()
        return task

    async def cancel(self, task_id: int) -> Task:
        return await self._move(task_id, TaskState.CANCELLED, "cancel")

    async def pause(self, task_id: int) -> Task:
        return await self._move(task_id, TaskState.PAUSED, "pause")

    async def resume(self, task_id: int) -> Task:
        """Queue a paused task again; a held one (see core.abandoned) gets a fresh count of
        abandoned attempts."""
        return await self._move(task_id, TaskState.QUEUED, "resume", **RESUME_FIELDS)

    async def retry(self, task_id: int) -> Task:
        fields = retry_fields(await self.task(task_id))
        return await self._move(task_id, TaskState.QUEUED, "retry", **fields)

    async def set_priority(self, task_id: int, priority: int) -> Task:
        task = await set_priority(self.ledger, task_id, priority, self.clock())
        self.wake()
        return task

    async def reassign(
        self, task_id: int, *, agent: str | None = None, model: str | None = None
    ) -> Task:
        """Send a task to another agent and/or pin a ``provider/model``; a running attempt
        is stopped (its partial output kept) and the task queued again."""
        fields = reassign_fields(self.settings, agent, model)
        task = await reassign_waiting(self.ledger, task_id, fields, self.clock())
        if task is None:  # running: stopped, then queued again
            return await self._move(task_id, TaskState.QUEUED, "reassign", **fields)
        self.wake()
        return task

    # ------------------------------------------------------------------ agent / global
    async def _set_flag(self, name: str, on: bool) -> None:
        value = "1" if on else None
        await self.ledger.set_flag(name, value, self.clock())
        if on:
            self.flags[name] = "1"
        else:
            self.flags.pop(name, None)
        self.bus.publish(FlagChanged(name, value))
        self.wake()

    async def pause_agent(self, agent: str, *, stop_running: bool = True) -> None:
        """No new work for ``agent``; its running attempts stop and their tasks re-queue."""
        if agent not in self.settings.agents:
            raise ControlError(f"unknown agent {agent!r}")
        await self._set_flag(f"paused_agent:{agent}", True)
        if stop_running:
            mine = [i for i, r in self.running.items() if r.run.attempt.agent == agent]
            await self._stop_attempts(mine, "requeue")

    async def resume_agent(self, agent: str) -> None:
        if agent not in self.settings.agents:
            raise ControlError(f"unknown agent {agent!r}")
        await self._set_flag(f"paused_agent:{agent}", False)

    async def pause_all(self, *, stop_running: bool = True) -> None:
        """Dispatch nothing; running attempts stop (partial output kept) and re-queue."""
        await self._set_flag("paused_all", True)
        if stop_running:
            await self._stop_attempts(list(self.running), "requeue")

    async def resume_all(self) -> None:
        await self._set_flag("paused_all", False)
