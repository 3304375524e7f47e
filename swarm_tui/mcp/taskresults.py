"""What the swarm's task tools return: the output schemas clients see in ``tools/list``
and the ``structuredContent`` of each result, from one set of models."""

from __future__ import annotations

from pydantic import BaseModel, Field

from swarm_tui.domain.models import Task, TaskState

__all__ = [
    "STATES",
    "SubmittedTask",
    "TaskList",
    "TaskResult",
    "TaskSummary",
    "WaitResult",
    "result_of",
    "summary_of",
]

STATES: tuple[str, ...] = tuple(s.value for s in TaskState)
"""Every task state, in the ledger's order: the one list descriptions and errors use."""


class TaskSummary(BaseModel):
    """A task in the queue."""

    task_id: int = Field(description="The task's id in the ledger")
    title: str
    role: str = Field(description="The agent (role) that runs it")
    state: str = Field(description="Where it is", json_schema_extra={"enum": list(STATES)})
    priority: int = Field(description="Higher runs first")


class SubmittedTask(TaskSummary):
    """The result of submit_task."""

    created: bool = Field(description="False: a task with this key was already in the ledger")


class TaskList(BaseModel):
    """The result of list_tasks."""

    tasks: list[TaskSummary] = Field(description="Newest first")


class TaskResult(TaskSummary):
    """The result of get_task_result."""

    result: str | None = Field(description="The answer, once it succeeded")
    error: str | None = Field(description="Why it failed, once it failed or was cancelled")


class WaitResult(TaskResult):
    """The result of wait_for_task."""

    timed_out: bool = Field(description="True: it was still going; call wait_for_task again")


def summary_of(task: Task) -> TaskSummary:
    """``task`` as a :class:`TaskSummary`."""
    return TaskSummary(
        task_id=task.id,
        title=task.title,
        role=task.role,
        state=task.state.value,
        priority=task.priority,
    )


def result_of(task: Task) -> TaskResult:
    """``task`` with its result or error."""
    return TaskResult(**summary_of(task).model_dump(), result=task.result, error=task.error)
