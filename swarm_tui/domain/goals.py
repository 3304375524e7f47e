"""Goals: a request planned into a graph of role tasks, run, reviewed and synthesised.

A goal is a ledger object with its own state; every task it spawns carries its ``goal_id``
and the ``step`` it runs (``implement#2`` is round 2 of step ``implement``). Plain data here;
the engine is :mod:`swarm_tui.goals`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "PLAN_STEP",
    "SYNTHESIS_STEP",
    "Goal",
    "GoalSpec",
    "GoalState",
    "split_step",
    "step_label",
]

PLAN_STEP = "plan"
"""The planner's tasks: ``plan#1``, ``plan#2`` (a retry with the validation errors)..."""
SYNTHESIS_STEP = "synthesis"
"""The final step: every step's result in, the goal's answer out."""


class GoalState(enum.StrEnum):
    PLANNING = "planning"
    """The planner is writing the plan (or it is being retried with the errors)."""
    AWAITING_APPROVAL = "awaiting_approval"
    """A valid plan waits for a human (``swarm-tui goal approve ID``)."""
    RUNNING = "running"
    """The plan's steps run."""
    SYNTHESIZING = "synthesizing"
    """Every step is done; the final step writes the goal's answer."""
    NEEDS_HUMAN = "needs_human"
    """Stopped for a person: no valid plan after the retries, a review still under the pass
    mark after ``max_rounds``, or a step that failed. ``reason`` says which."""
    REFUSED = "refused"
    """The plan was refused (a cycle, an unknown role, a step over budget); ``reason``."""
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in (
            GoalState.SUCCEEDED,
            GoalState.FAILED,
            GoalState.CANCELLED,
            GoalState.REFUSED,
        )

    @property
    def waiting(self) -> bool:
        """Nothing moves until a person acts."""
        return self in (GoalState.AWAITING_APPROVAL, GoalState.NEEDS_HUMAN)


@dataclass(frozen=True, slots=True)
class Goal:
    id: int
    request: str
    state: GoalState
    plan: str | None
    """The plan as JSON (see swarm_tui.goals.plan), None until the planner gave a valid one."""
    workflow: str | None
    """The ``[workflows.NAME]`` template it runs, None when planned."""
    pass_mark: int
    max_rounds: int
    approved: bool
    rounds: int
    """Rounds a review sent a step back, over the whole goal."""
    score: float | None
    """The quality score: the mean of the last score of every review gate."""
    result: str | None
    reason: str | None
    """Why it stopped (refused, needs a human, failed)."""
    created_at: float
    updated_at: float
    finished_at: float | None


@dataclass(frozen=True, slots=True)
class GoalSpec:
    """A goal asked for in a task file (``mode = "goal"``)."""

    request: str
    workflow: str | None = None
    key: str | None = None
    """Submitting the file again adds no second goal with this key."""


def step_label(step: str, round_: int) -> str:
    """``implement`` round 1 is ``implement#1``."""
    return f"{step}#{round_}"


def split_step(label: str) -> tuple[str, int]:
    """``implement#2`` -> (``implement``, 2); a label without a round is round 1."""
    name, sep, number = label.rpartition("#")
    if sep and number.isdigit():
        return name, int(number)
    return label, 1
