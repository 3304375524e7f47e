"""What one row of the task queue shows: a task without its prompt, result or error.

The control room keeps one of these per task it lists (the detail screen reads the rest from
the ledger when it opens), so a night of long answers does not pile up in its memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from swarm_tui.domain.models import Task, TaskState

__all__ = ["TaskRow"]


@dataclass(frozen=True, slots=True)
class TaskRow:
    id: int
    title: str
    role: str
    state: TaskState
    priority: int
    tags: tuple[str, ...] = ()
    pin_agent: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    agent: str | None = None
    provider: str | None = None
    model: str | None = None
    held: bool = False
    """Paused as needing attention (see Task.held)."""
    last_ended_at: float | None = None

    @classmethod
    def of(cls, task: Task | TaskRow) -> TaskRow:
        if isinstance(task, TaskRow):
            return task
        return cls(
            id=task.id, title=task.title, role=task.role, state=task.state,
            priority=task.priority, tags=task.tags, pin_agent=task.pin_agent,
            started_at=task.started_at, finished_at=task.finished_at,
            tokens_in=task.tokens_in, tokens_out=task.tokens_out, cost_usd=task.cost_usd,
            agent=task.agent, provider=task.provider, model=task.model,
            held=task.held is not None,
            last_ended_at=task.last_ended_at,
        )  # fmt: skip
