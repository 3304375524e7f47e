"""The task state machine: which moves are allowed, and why a refused one was refused."""

from __future__ import annotations

from swarm_tui.domain.models import TaskState

__all__ = ["ALLOWED", "InvalidTransition", "can_move", "check_move"]

Q, R, P, V = TaskState.QUEUED, TaskState.RUNNING, TaskState.PAUSED, TaskState.NEEDS_VOTE
S, F, C = TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED
NR = TaskState.NEEDS_REVIEW

ALLOWED: dict[TaskState, frozenset[TaskState]] = {
    Q: frozenset({R, P, C, F}),  # F: a dependency failed
    R: frozenset({S, F, Q, P, C, V, NR}),  # Q: retry, reassign or a lost orchestrator
    P: frozenset({Q, C}),
    V: frozenset({S, F, C}),
    NR: frozenset({S, C, Q}),  # S: accepted (merged), C: rejected, Q: sent back
    F: frozenset({Q}),  # retry
    C: frozenset({Q}),  # retry
    S: frozenset(),
}


class InvalidTransition(ValueError):
    def __init__(self, task_id: int, current: TaskState, wanted: TaskState, action: str) -> None:
        allowed = sorted(s.value for s in ALLOWED if wanted in ALLOWED[s])
        super().__init__(
            f"task #{task_id} is {current.value}: cannot {action} it"
            f" (only {', '.join(allowed) or 'no'} tasks can go to {wanted.value})"
        )
        self.task_id = task_id
        self.current = current
        self.wanted = wanted


def can_move(current: TaskState, wanted: TaskState) -> bool:
    return wanted in ALLOWED[current]


def check_move(task_id: int, current: TaskState, wanted: TaskState, action: str) -> None:
    if not can_move(current, wanted):
        raise InvalidTransition(task_id, current, wanted, action)


def sources(wanted: TaskState) -> set[TaskState]:
    """Every state a task may move to ``wanted`` from."""
    return {s for s, targets in ALLOWED.items() if wanted in targets}
