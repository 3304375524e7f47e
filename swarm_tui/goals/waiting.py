"""Why a goal in hand does not move on by itself: a step waits for a person's review
(merge), or a task of it is held (paused by hand, at its own budget, or queued behind a
budget stop or a pause). The engine writes this into the goal's ``reason``."""

from __future__ import annotations

from collections.abc import Callable

from swarm_tui.domain.goals import Goal
from swarm_tui.domain.models import Task, TaskState

__all__ = ["HELD", "REVIEW_WAIT", "held_reason", "stalled", "waiting_reason"]

REVIEW_WAIT = "waits for review of #"
HELD = ") is held: "


def stalled(goal: Goal) -> bool:
    """A goal in hand that moves no further until a person acts: every step is done but
    one waits for review (``swarm-tui review``), or a task of it is paused (by hand or held
    by the budget). It moves on by itself once that is dealt with."""
    reason = goal.reason or ""
    return not goal.state.terminal and (reason.startswith(REVIEW_WAIT) or HELD in reason)


def waiting_reason(
    unmerged: list[Task], tasks: list[Task | None], stopped: Callable[[str], str | None]
) -> str:
    """Why a running goal does not move on by itself: every step is done but some wait for
    a person's review (merge), or a step's task is held."""
    if unmerged:
        return "; ".join(f"{REVIEW_WAIT}{t.id}: swarm-tui review show {t.id}" for t in unmerged)
    known = [t for t in tasks if t is not None]
    if any(t.state == TaskState.RUNNING for t in known):
        return ""  # the goal moves: a held step is named once nothing of it runs
    return held_reason(known, stopped)


def held_reason(tasks: list[Task], stopped: Callable[[str], str | None]) -> str:
    """Why a task of the goal does not run: paused (by hand, held, or at its own
    ``[budget] task_usd``: the reason is its error), or queued behind a budget stop of its
    agent or a pause of it or of the swarm (``stopped``)."""
    for task in tasks:
        label = f"task #{task.id} ({task.step or task.title}"
        if task.state == TaskState.PAUSED:
            return f"{label}{HELD}{task.held or task.error or 'by hand'}"
        why = stopped(task.pin_agent or task.role) if task.state == TaskState.QUEUED else None
        if why:
            return f"{label}{HELD}{why}"
    return ""
