"""The orchestrator's public API: what the CLI, the TUI and MCP tools call.

:class:`Control` owns the orchestrator's parts (see :mod:`swarm_tui.core.parts`): what runs
now (:class:`Load`), the flags, the scheduler, spending, consensus, the tools and the upkeep.
Every command validates first and writes nothing when it refuses; a refusal raises
:class:`ControlError` (or :class:`InvalidTransition`) with a message a person can act on.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from swarm_tui.config import Settings
from swarm_tui.core import reads
from swarm_tui.core.approvals import ApprovalGate, PendingApproval
from swarm_tui.core.breaker import BreakerBoard
from swarm_tui.core.budget import Line
from swarm_tui.core.consensus import ConsensusConfig, ConsensusRecord
from swarm_tui.core.errors import ControlError
from swarm_tui.core.flags import AGENT_PAUSE, ALL_PAUSE
from swarm_tui.core.memory_books import MemoryBooks
from swarm_tui.core.owner import owner_id
from swarm_tui.core.parts import Parts, Shared, compose
from swarm_tui.core.review import Reviews
from swarm_tui.core.running import Running
from swarm_tui.core.spending import Spending
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
from swarm_tui.core.toolloop import ToolHost
from swarm_tui.domain.evals import EvalResult, EvalRunRow, ShadowSample
from swarm_tui.domain.events import TaskChanged
from swarm_tui.domain.models import Attempt, Task, TaskMode, TaskSpec, TaskState
from swarm_tui.domain.reads import ReportFigures
from swarm_tui.domain.task_row import TaskRow
from swarm_tui.domain.workspaces import Review, ReviewOutcome
from swarm_tui.providers.base import Provider
from swarm_tui.store.ledger import Ledger, Totals
from swarm_tui.store.task_rows import QueueStart
from swarm_tui.store.tools import MemoryEntry

__all__ = ["Control", "ControlError"]


_MOVED = {TaskState.CANCELLED: "cancel", TaskState.PAUSED: "pause", TaskState.QUEUED: "reassign"}
"""A task's new state, moved by another process -> why its attempt here stops."""


class Control:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        providers: dict[str, Provider],
        *,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        owner: str | None = None,
    ) -> None:
        self.settings = settings
        self.providers = providers
        self.clock = clock
        self.rng = rng or random.Random()
        self.owner = owner or owner_id()
        self._wake = asyncio.Event()
        self._started = False
        self._shared = shared = Shared.of(
            settings, providers, clock=self._now, rng=self.rng, owner=self.owner,
            wake=self._wake.set, pause_task=self._pause_over_budget,
        )  # fmt: skip
        self.bus, self.flags, self.redactor = shared.bus, shared.flags, shared.redactor
        self.performance, self.load = shared.performance, shared.load
        self._ledger = ledger
        self.parts: Parts = compose(shared, ledger)

    def _now(self) -> float:
        return self.clock()  # follows self.clock even when a test swaps it

    @property
    def ledger(self) -> Ledger:
        return self._ledger

    @ledger.setter
    def ledger(self, ledger: Ledger) -> None:
        """A ledger opened late (in the event loop that runs the orchestrator): the parts are
        built again around it. Refused once the orchestrator started."""
        if self._started:
            raise RuntimeError("the ledger of a started orchestrator cannot change")
        self._ledger = ledger
        self.parts = compose(self._shared, ledger)

    @property
    def spending(self) -> Spending:
        return self.parts.spending

    @property
    def breakers(self) -> BreakerBoard:
        return self.parts.breakers

    @property
    def running(self) -> dict[int, Running]:
        """The attempts running in this process, by attempt id."""
        return self.load.running

    def wake(self) -> None:
        """Ask for a scheduling pass now (something changed)."""
        self._wake.set()

    def paused_all(self) -> bool:
        return self.flags.paused_all()

    def agent_paused(self, agent: str) -> bool:
        return self.flags.agent_paused(agent)

    async def tick(self) -> int:
        """One scheduling pass; returns how many attempts it started."""
        return await self.parts.scheduler.tick()

    async def dispatch_now(self, task_id: int) -> str:
        """Start a queued task now, ahead of the queue's order and any retry back-off (the
        agent's and provider's limits still hold). Returns what happened, in words."""
        return await self.parts.scheduler.dispatch_now(await self.task(task_id))

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

    async def swarm_version(self) -> int:
        """A number that moves when another connection (another process) commits."""
        return await self.ledger.data_version()

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
    async def _move(self, task_id: int, to: TaskState, action: str, **fields: object) -> Task:
        """Move a task that is not running here; a running one is stopped with ``action``."""

        async def stop(task: Task) -> Task | None:
            attempt_id = await self.load.launched(task.id)  # claimed here: wait for it
            if attempt_id is None:
                return None  # running in another process: the move is written for it
            if fields:
                await self.ledger.update_task(task.id, self.clock(), action, **fields)
            await self.load.stop([attempt_id], action)
            return await self.task(task.id)

        task, moved = await move_task(self.ledger, task_id, to, action, self.clock, fields, stop)
        if moved:
            self.bus.publish(TaskChanged(task_id, to, action))
            self.wake()
        return task

    async def stop_moved(self, task: Task) -> bool:
        """Another process moved ``task`` off the attempt this process runs for it (a cancel,
        pause or reassign written to the ledger): stop that attempt as :meth:`cancel` does
        here, its partial output kept; the other process's move stands. True if stopped."""
        attempt_id = self.load.attempt_of(task.id)
        if attempt_id is None:
            return False
        number = self.running[attempt_id].run.attempt.number
        if task.state == TaskState.RUNNING and task.attempts == number:
            return False
        await self.load.stop([attempt_id], _MOVED.get(task.state, "requeue"))
        return True

    async def cancel(self, task_id: int) -> Task:
        return await self._move(task_id, TaskState.CANCELLED, "cancel")

    async def pause(self, task_id: int) -> Task:
        return await self._move(task_id, TaskState.PAUSED, "pause")

    async def _pause_over_budget(self, task_id: int, reason: str) -> None:
        await self.pause(task_id)
        await self.ledger.update_task(task_id, self.clock(), "budget", error=reason)

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
    async def pause_agent(self, agent: str, *, stop_running: bool = True) -> None:
        """No new work for ``agent``; its running attempts stop and their tasks re-queue."""
        if agent not in self.settings.agents:
            raise ControlError(f"unknown agent {agent!r}")
        await self.parts.pauses.pause(f"{AGENT_PAUSE}{agent}", stop_running)

    async def resume_agent(self, agent: str) -> None:
        if agent not in self.settings.agents:
            raise ControlError(f"unknown agent {agent!r}")
        await self.parts.pauses.resume(f"{AGENT_PAUSE}{agent}")

    async def pause_all(self, *, stop_running: bool = True) -> None:
        """Dispatch nothing; running attempts stop (partial output kept) and re-queue."""
        await self.parts.pauses.pause(ALL_PAUSE, stop_running)

    async def resume_all(self) -> None:
        await self.parts.pauses.resume(ALL_PAUSE)

    async def flag_elsewhere(self, name: str, value: str | None) -> None:
        """Another process set (or cleared) flag ``name`` in the ledger (the change feed):
        take it; a pause that stops running attempts stops those it covers here
        (``core/pauses.py``)."""
        await self.parts.pauses.flag_elsewhere(name, value)

    # ------------------------------------------------------------------ consensus
    def consensus_config(
        self, agent_name: str, mode: TaskMode, standing: Mapping[str, float] | None = None
    ) -> ConsensusConfig:
        """The engine config for a task of ``agent_name`` in ``mode`` (ValueError if unusable);
        ``standing``: each model's share of votes won, for the ``record`` weights."""
        return self.parts.consensus.config(agent_name, mode, standing)

    async def consensus_record(self, task_id: int) -> ConsensusRecord | None:
        """The newest consensus or review record of a task (None: it never ran one)."""
        return await self.parts.consensus.consensus_record(task_id)

    async def conflicts(self) -> list[tuple[Task, ConsensusRecord]]:
        """Tasks waiting in ``needs_vote``, with the record that says what is contested."""
        return await self.parts.consensus.conflicts()

    async def decide(self, task_id: int, label: str, note: str = "") -> Task:
        """The human picks candidate ``label`` (A, B, ...) as the answer of a waiting task."""
        return await self.parts.consensus.decide(task_id, label, note)

    async def send_to_arbiter(self, task_id: int, model: str | None = None) -> Task:
        """Ask the arbiter (the configured one, or ``model``) to settle a waiting task."""
        return await self.parts.consensus.send_to_arbiter(task_id, model)

    # ------------------------------------------------------------------ review
    def _reviews(self) -> Reviews:
        return Reviews(self.settings, self.ledger, self.ledger.path.parent, self.clock)

    async def review_of(self, task_id: int) -> Review | None:
        """A coding task's review: files changed with their diffs, the latest checks, the
        rounds, the agent's summary (None: the task has no workspace)."""
        return await self._reviews().review_of(task_id)

    async def review_accept(self, task_id: int) -> ReviewOutcome:
        """Merge a task waiting in ``needs_review`` into its base (it succeeds); when the
        base moved and it conflicts, nothing changes and the files are named (send it back)."""
        out = await self._reviews().accept(task_id)
        if out.done:
            self.bus.publish(TaskChanged(task_id, TaskState.SUCCEEDED, out.message))
            self.wake()
        return out

    async def review_reject(self, task_id: int, note: str = "") -> ReviewOutcome:
        """Remove the task's worktree and branch; the task is cancelled."""
        out = await self._reviews().reject(task_id, note)
        self.bus.publish(TaskChanged(task_id, TaskState.CANCELLED, out.message))
        self.wake()
        return out

    async def review_send_back(self, task_id: int, note: str) -> ReviewOutcome:
        """Queue the task again: a new attempt in the same worktree, told ``note`` (and the
        conflict, when accepting met one)."""
        out = await self._reviews().send_back(task_id, note)
        if out.done:
            self.bus.publish(TaskChanged(task_id, TaskState.QUEUED, out.message))
            self.wake()
        return out

    # ------------------------------------------------------------------ tools
    @property
    def gate(self) -> ApprovalGate | None:
        return self.parts.tools.gate

    @property
    def project(self) -> str:
        return self.parts.tools.project

    def attach_tools(self, host: ToolHost, *, interactive: bool = False) -> ApprovalGate:
        """Give API-model agents the hub's tools; ``interactive`` when a human can approve."""
        return self.parts.tools.attach_tools(host, interactive=interactive)

    def set_interactive(self, interactive: bool) -> None:
        """The control room is open (``ask`` waits for a human) or not (``headless_ask``)."""
        self.parts.tools.set_interactive(interactive)

    def pending_approvals(self) -> list[PendingApproval]:
        """Tool calls waiting for a human, oldest first."""
        return self.parts.tools.pending_approvals()

    def approve(self, approval_id: int, *, always: bool = False) -> bool:
        """Let a held call run (``always``: and later calls of that tool by that agent)."""
        return self.parts.tools.approve(approval_id, always=always)

    def deny(self, approval_id: int) -> bool:
        """Refuse a held call: the tool does not run; the model is told it was denied."""
        return self.parts.tools.deny(approval_id)

    @property
    def memory_books(self) -> MemoryBooks:
        """Every project's memory books (the hub's memory tools and watcher share them)."""
        return self.parts.tools.books

    async def memories(self) -> list[MemoryEntry]:
        """Every project's memory entries: the swarm's own project first, then each
        configured project's (Serena's memory files where the project has them)."""
        return await self.parts.tools.memories()

    async def save_memory(
        self, name: str, content: str, author: str = "human", project: str | None = None
    ) -> None:
        """Write a memory of ``project`` (None: the swarm's own); a project with Serena's
        ``.serena/memories`` folder gets the file written first."""
        await self.parts.tools.save_memory(name, content, author, project)

    async def remove_memory(self, name: str, project: str | None = None) -> bool:
        """Delete a memory of ``project`` (its Serena file too); False: it was not there."""
        return await self.parts.tools.remove_memory(name, project)

    async def memory_file(self, name: str, project: str | None = None) -> str | None:
        """The Serena file a project's memory is kept in (None: kept in the ledger only)."""
        return await self.parts.tools.memory_file(name, project)

    # Typed reads for views and report (core/reads.py): plain dataclasses from async calls,
    # so an attached room can get the same over a socket. Views never hold the ledger.
    @property
    def data_dir(self) -> Path:
        """The ledger's folder: its log, the service's socket, the projects' worktrees."""
        return Path(self.ledger.path).parent

    async def report_figures(self, since: float | None = None) -> ReportFigures:
        """What ``report`` and the cost pane count: ended attempts and consensus runs since
        ``since`` (None: all), as dataclasses."""
        return await reads.report_figures(self.ledger, since)

    async def eval_runs(self) -> list[EvalRunRow]:
        """Every eval run in the ledger (``swarm-tui eval``), oldest first."""
        return await self.ledger.eval_runs()

    async def eval_results(self, run_id: int) -> list[EvalResult]:
        """What an eval run measured, one row per case, configuration and repeat."""
        return await self.ledger.eval_results(run_id)

    async def shadow_samples(self, since: float | None = None) -> list[ShadowSample]:
        """Live tasks sampled against the baseline model, and their verdicts."""
        return await self.ledger.shadow_samples(since)

    async def tasks_by_id(self, ids: Iterable[int]) -> list[Task]:
        """Full tasks by id in one read, by id; ids that do not exist are left out."""
        return await reads.tasks_by_id(self.ledger, ids)

    async def budget_lines(self) -> list[Line]:
        """Spend against every budget limit set: run, day, each limited agent."""
        return await reads.budget_lines(self.spending.budget)
