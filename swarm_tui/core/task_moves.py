"""The task commands' ledger part: what cancel, pause, resume, retry, priority, reassign and
submit check and write, with no orchestrator. :class:`~swarm_tui.core.control.Control` adds
what only the process running an attempt can do (stop it, tell its bus, wake its
scheduler); :class:`~swarm_tui.core.ledger_control.LedgerControl` runs them on a bare
ledger (the one-line commands over SSH).

Every command validates first and writes nothing when it refuses (:class:`ControlError` or
:class:`InvalidTransition`). Moves are fenced on the state read: a task that changed state
in between (another process claimed it) is read again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from swarm_tui.core.errors import ControlError
from swarm_tui.core.router import split_ref
from swarm_tui.core.submit import MAX_PRIORITY, plan_batch
from swarm_tui.domain.models import Task, TaskSpec, TaskState
from swarm_tui.domain.states import ALLOWED, InvalidTransition
from swarm_tui.store.ledger import Ledger

if TYPE_CHECKING:
    from swarm_tui.config import Settings

__all__ = [
    "RESUME_FIELDS",
    "STOPPING",
    "ControlError",
    "StopRunning",
    "move_task",
    "read_task",
    "reassign_fields",
    "reassign_waiting",
    "retry_fields",
    "set_priority",
    "submit_tasks",
]

STOPPING = frozenset({"pause", "cancel", "reassign"})
"""Actions that, on a running task, stop its attempt (partial output kept)."""

RESUME_FIELDS: Mapping[str, Any] = {"held": None, "abandoned": 0}
"""A resumed task is no longer held and gets a fresh count of abandoned attempts."""

StopRunning = Callable[[Task], Awaitable[Task | None]]
"""Stop a running task's attempt in this process: the task after, or None when the attempt
runs in another process (then the move is written to the ledger, and that process stops its
attempt when its change feed shows the move: ``Control.stop_moved``)."""


async def read_task(ledger: Ledger, task_id: int) -> Task:
    task = await ledger.get_task(task_id)
    if task is None:
        raise ControlError(f"no task #{task_id}")
    return task


async def move_task(
    ledger: Ledger,
    task_id: int,
    to: TaskState,
    action: str,
    clock: Callable[[], float],
    fields: Mapping[str, Any],
    stop_running: StopRunning,
) -> tuple[Task, bool]:
    """Move a task to ``to``; a running one (for :data:`STOPPING` actions) is handed to
    ``stop_running``. Returns the task after, and whether this call moved it in the ledger."""
    for _ in range(5):
        task = await read_task(ledger, task_id)
        if task.state == TaskState.RUNNING and action in STOPPING:
            stopped = await stop_running(task)
            if stopped is not None:
                return stopped, False
            # Run by another process: the move is written here, fenced on the attempt still
            # running, and that process stops its attempt when its change feed shows it.
            if await ledger.transition(
                task_id, to, {TaskState.RUNNING}, clock(), event=action, fields=dict(fields)
            ):
                return await read_task(ledger, task_id), True
            continue
        if to not in ALLOWED[task.state]:
            raise InvalidTransition(task_id, task.state, to, action)
        if await ledger.transition(
            task_id, to, {task.state}, clock(), event=action, fields=dict(fields)
        ):
            return await read_task(ledger, task_id), True
    raise ControlError(f"task #{task_id} kept changing state; try again")


def retry_fields(task: Task) -> dict[str, Any]:
    """What a retry resets; only a failed or cancelled task can be retried."""
    if task.state not in (TaskState.FAILED, TaskState.CANCELLED):
        raise InvalidTransition(task.id, task.state, TaskState.QUEUED, "retry")
    return {"error": None, "not_before": 0.0, "retry_from": task.attempts, "finished_at": None}


def reassign_fields(settings: Settings, agent: str | None, model: str | None) -> dict[str, Any]:
    """The pins a reassign writes, once ``agent`` and ``model`` are known to the config."""
    if agent is None and model is None:
        raise ControlError("reassign needs an agent, a model, or both")
    if agent is not None and agent not in settings.agents:
        raise ControlError(f"unknown agent {agent!r} (agents: {', '.join(settings.agents)})")
    if model is not None:
        provider, name = split_ref(model)
        config = settings.providers.get(provider)
        if config is None or name not in config.models:
            raise ControlError(
                f"unknown model {model!r}: write it as provider/model from the config"
            )
    return {"pin": model, "pin_agent": agent}


async def reassign_waiting(
    ledger: Ledger, task_id: int, fields: Mapping[str, Any], now: float
) -> Task | None:
    """Write a reassign's pins on a queued or paused task; None for a running one (its
    attempt must be stopped first); refused for a task that has ended."""
    task = await read_task(ledger, task_id)
    if task.state in (TaskState.QUEUED, TaskState.PAUSED):
        await ledger.update_task(task_id, now, "reassign", **fields)
        return await read_task(ledger, task_id)
    if task.state == TaskState.RUNNING:
        return None
    raise ControlError(
        f"task #{task_id} is {task.state.value}: only queued, paused or running tasks can be"
        " reassigned (retry it first)"
    )


async def set_priority(ledger: Ledger, task_id: int, priority: int, now: float) -> Task:
    if not -MAX_PRIORITY <= priority <= MAX_PRIORITY:
        raise ControlError(f"priority must be within ±{MAX_PRIORITY} (got {priority})")
    await read_task(ledger, task_id)
    await ledger.update_task(task_id, now, "priority", priority=priority)
    return await read_task(ledger, task_id)


class Roster(Protocol):
    """What a submit needs of the config: the agents' names and the default one (the whole
    :class:`~swarm_tui.config.Settings`, or a one-line command's
    :class:`~swarm_tui.config.quick.CommandSettings`)."""

    @property
    def agents(self) -> Collection[str]: ...
    @property
    def default_agent(self) -> str: ...
    @property
    def projects(self) -> Collection[str]: ...
    @property
    def agent_projects(self) -> Mapping[str, str | None]: ...


async def submit_tasks(
    ledger: Ledger,
    settings: Roster,
    specs: Sequence[TaskSpec],
    labels: Sequence[str] | None,
    now: float,
) -> list[tuple[Task, bool]]:
    """Add tasks (all or none). Returns each task and whether it was new (keys dedupe)."""
    ids = {r for s in specs for r in s.after if isinstance(r, int)}
    keys = {r for s in specs for r in s.after if isinstance(r, str)}
    keys |= {s.key for s in specs if s.key}
    batch = plan_batch(
        specs,
        agents=list(settings.agents),
        default_agent=settings.default_agent,
        existing_ids=await ledger.existing_ids(ids),
        existing_keys=await ledger.existing_keys(keys),
        labels=labels,
        projects=list(settings.projects),
        agent_projects=dict(settings.agent_projects),
    )
    try:
        inserted = await ledger.add_tasks(batch.items, now)
    except ValueError as exc:  # a dependency vanished between check and write
        raise ControlError(str(exc)) from None
    out: list[tuple[Task, bool]] = [None] * len(specs)  # type: ignore[list-item]
    for position, (task_id, new) in enumerate(inserted):
        # A new task comes back from its INSERT; only a deduplicated key is read.
        task = new if new is not None else await read_task(ledger, task_id)
        out[batch.order[position]] = (task, new is not None)
    return out
