"""A goal's steps as its tasks say: each step's newest round, its score, whether it passed.

Plain functions over the goal's tasks (read from the ledger): the same answer however often
they are asked, which is what lets the engine resume a goal after any crash.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from swarm_tui.core.consensus import ParseError, parse_score
from swarm_tui.domain.goals import split_step
from swarm_tui.domain.models import Task, TaskState
from swarm_tui.goals.plan import Plan, PlanStep

__all__ = [
    "BAD",
    "NEEDS_REVIEW",
    "StepStatus",
    "branches",
    "done",
    "passed",
    "sent_back",
    "step_status",
    "step_tags",
]

BAD = (TaskState.FAILED, TaskState.CANCELLED)
"""A step's task in one of these stops the goal for a person."""
NEEDS_REVIEW = TaskState.NEEDS_REVIEW


@dataclass(frozen=True, slots=True)
class StepStatus:
    """One step of a running goal, as its tasks say."""

    name: str
    round: int
    """The newest round submitted (0: not yet)."""
    task: Task | None
    """The newest round's task."""
    score: int | None = None
    """A review gate: the newest round's score."""
    reason: str = ""


def _rounds(tasks: list[Task]) -> dict[str, list[Task]]:
    """Tasks by step name, in round order."""
    out: dict[str, list[Task]] = {}
    for task in tasks:
        if task.step is None:
            continue
        name, _ = split_step(task.step)
        out.setdefault(name, []).append(task)
    for name in out:
        out[name].sort(key=lambda t: split_step(t.step or "")[1])
    return out


def step_status(tasks: list[Task], name: str) -> StepStatus:
    rounds = _rounds(tasks).get(name, [])
    if not rounds:
        return StepStatus(name, 0, None)
    task = rounds[-1]
    score, reason = None, ""
    if task.state == TaskState.SUCCEEDED and task.result is not None:
        with contextlib.suppress(ParseError):
            score, reason = parse_score(task.result)
    return StepStatus(name, split_step(task.step or "")[1], task, score, reason)


def done(task: Task) -> bool:
    """The step's work is done: succeeded, or committed and checked waiting for review."""
    return task.state == TaskState.SUCCEEDED or (
        task.state == NEEDS_REVIEW and task.project is not None
    )


def passed(
    plan: Plan, tasks: list[Task], name: str, pass_mark: int, asker: str | None = None
) -> bool:
    """Step ``name`` is done: its newest round succeeded (or, changing code, waits for
    review: committed and checked) and every gate of it scored that round at or above
    the pass mark; a gate that itself waits for ``asker`` is not waited for."""
    own = step_status(tasks, name)
    if own.task is None or not done(own.task):
        return False
    if plan.step(name).reviews is not None:  # a gate: done when it passed its step
        return own.score is not None and own.score >= pass_mark
    for gate in plan.gates(name):
        if asker is not None and asker in plan.needs(gate):
            continue
        status = step_status(tasks, gate.name)
        if status.round != own.round or status.score is None or status.score < pass_mark:
            return False
    return True


def branches(plan: Plan, results: dict[str, StepStatus], step: PlanStep) -> tuple[int, ...]:
    """The tasks of ``step``'s dependencies in its own project: the task waits for them
    (and starts from the branch of one still waiting for review)."""
    if step.project is None:
        return ()
    out = []
    for dep in step.depends_on:
        task = results[dep].task
        if task is not None and task.project == step.project:
            out.append(task.id)
    return tuple(out)


def step_tags(step: PlanStep) -> tuple[str, ...]:
    return (f"project:{step.project}",) if step.project else ()


def sent_back(plan: Plan, tasks: list[Task]) -> int:
    """Rounds the reviews sent steps back so far (every round of a step after its first)."""
    return sum(
        max(step_status(tasks, s.name).round - 1, 0) for s in plan.steps if s.reviews is None
    )
