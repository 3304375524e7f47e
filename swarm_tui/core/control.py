"""The orchestrator's public API: what the CLI, the TUI and MCP tools call.

Every command validates first and writes nothing when it refuses; a refusal raises
:class:`ControlError` (or :class:`InvalidTransition`) with a message a person can act on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from swarm_tui.config import Settings
from swarm_tui.core import reads
from swarm_tui.core.budget import Line
from swarm_tui.core.bus import EventBus
from swarm_tui.core.router import split_ref
from swarm_tui.core.submit import plan_batch
from swarm_tui.domain.events import FlagChanged, TaskChanged
from swarm_tui.domain.models import Attempt, Task, TaskSpec, TaskState
from swarm_tui.domain.reads import ReportFigures
from swarm_tui.domain.states import ALLOWED, InvalidTransition
from swarm_tui.domain.task_row import TaskRow
from swarm_tui.store.ledger import Ledger, Totals
from swarm_tui.store.task_rows import QueueStart

if TYPE_CHECKING:
    from swarm_tui.core.orchestrator import Running
    from swarm_tui.core.spending import Spending

__all__ = ["Control", "ControlError"]


class ControlError(ValueError):
    """A command that cannot be carried out; nothing was changed."""


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
        task = await self.ledger.get_task(task_id)
        if task is None:
            raise ControlError(f"no task #{task_id}")
        return task

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
        ids = {r for s in specs for r in s.after if isinstance(r, int)}
        keys = {r for s in specs for r in s.after if isinstance(r, str)}
        keys |= {s.key for s in specs if s.key}
        batch = plan_batch(
            specs,
            agents=list(self.settings.agents),
            default_agent=self.settings.default_agent,
            existing_ids=await self.ledger.existing_ids(ids),
            existing_keys=await self.ledger.existing_keys(keys),
            labels=labels,
        )
        try:
            inserted = await self.ledger.add_tasks(batch.items, self.clock())
        except ValueError as exc:  # a dependency vanished between check and write
            raise ControlError(str(exc)) from None
        out: list[tuple[Task, bool]] = [None] * len(specs)  # type: ignore[list-item]
        for position, (task_id, new) in enumerate(inserted):
            # A new task comes back from its INSERT; only a deduplicated key is read.
            task = new if new is not None else await self.task(task_id)
            out[batch.order[position]] = (task, new is not None)
            if new is not None:
                self.bus.publish(TaskChanged(task_id, TaskState.QUEUED, "submitted"))
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
        for _ in range(5):
            task = await self.task(task_id)
            if task.state == TaskState.RUNNING and action in ("pause", "cancel", "reassign"):
                attempt_id = self._attempt_of(task_id)
                if attempt_id is None:
                    raise ControlError(
                        f"task #{task_id} is running in another swarm-tui process;"
                        f" {action} it there"
                    )
                if fields:
                    await self.ledger.update_task(task_id, self.clock(), action, **fields)
                await self._stop_attempts([attempt_id], action)
                return await self.task(task_id)
            if to not in ALLOWED[task.state]:
                raise InvalidTransition(task_id, task.state, to, action)
            if await self.ledger.transition(
                task_id, to, {task.state}, self.clock(), event=action, fields=dict(fields)
            ):
                self.bus.publish(TaskChanged(task_id, to, action))
                self.wake()
                return await self.task(task_id)
        raise ControlError(f"task #{task_id} kept changing state; try again")

    async def cancel(self, task_id: int) -> Task:
        return await self._move(task_id, TaskState.CANCELLED, "cancel")

    async def pause(self, task_id: int) -> Task:
        return await self._move(task_id, TaskState.PAUSED, "pause")

    async def resume(self, task_id: int) -> Task:
        """Queue a paused task again; a held one (see core.abandoned) gets a fresh count of
        abandoned attempts."""
        return await self._move(task_id, TaskState.QUEUED, "resume", held=None, abandoned=0)

    async def retry(self, task_id: int) -> Task:
        task = await self.task(task_id)
        if task.state not in (TaskState.FAILED, TaskState.CANCELLED):
            raise InvalidTransition(task_id, task.state, TaskState.QUEUED, "retry")
        return await self._move(
            task_id,
            TaskState.QUEUED,
            "retry",
            error=None,
            not_before=0.0,
            retry_from=task.attempts,
            finished_at=None,
        )

    async def set_priority(self, task_id: int, priority: int) -> Task:
        await self.task(task_id)
        await self.ledger.update_task(task_id, self.clock(), "priority", priority=priority)
        self.wake()
        return await self.task(task_id)

    async def reassign(
        self, task_id: int, *, agent: str | None = None, model: str | None = None
    ) -> Task:
        """Send a task to another agent and/or pin a ``provider/model``; a running attempt
        is stopped (its partial output kept) and the task queued again."""
        if agent is None and model is None:
            raise ControlError("reassign needs an agent, a model, or both")
        if agent is not None and agent not in self.settings.agents:
            raise ControlError(
                f"unknown agent {agent!r} (agents: {', '.join(self.settings.agents)})"
            )
        if model is not None:
            provider, name = split_ref(model)
            config = self.settings.providers.get(provider)
            if config is None or name not in config.models:
                raise ControlError(
                    f"unknown model {model!r}: write it as provider/model from the config"
                )
        fields = {"pin": model, "pin_agent": agent}
        task = await self.task(task_id)
        if task.state in (TaskState.QUEUED, TaskState.PAUSED):
            await self.ledger.update_task(task_id, self.clock(), "reassign", **fields)
            self.wake()
            return await self.task(task_id)
        if task.state == TaskState.RUNNING:
            return await self._move(task_id, TaskState.QUEUED, "reassign", **fields)
        raise ControlError(
            f"task #{task_id} is {task.state.value}: only queued, paused or running tasks can be"
            " reassigned (retry it first)"
        )

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

    # Typed reads for views and report (core/reads.py): plain dataclasses from async calls,
    # so an attached room can get the same over a socket. Views never hold the ledger.
    spending: Spending

    async def report_figures(self, since: float | None = None) -> ReportFigures:
        """What ``report`` and the cost pane count: ended attempts and consensus runs since
        ``since`` (None: all), as dataclasses."""
        return await reads.report_figures(self.ledger, since)

    async def tasks_by_id(self, ids: Iterable[int]) -> list[Task]:
        """Full tasks by id in one read, by id; ids that do not exist are left out."""
        return await reads.tasks_by_id(self.ledger, ids)

    async def budget_lines(self) -> list[Line]:
        """Spend against every budget limit set: run, day, each limited agent."""
        return await reads.budget_lines(self.spending.budget)
