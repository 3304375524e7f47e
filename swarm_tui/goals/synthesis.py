"""The synthesis: the goal's last task; when it succeeds the goal succeeds with its result
and the mean of the review gates' last scores."""

from __future__ import annotations

from swarm_tui.domain.goals import SYNTHESIS_STEP, Goal, GoalState
from swarm_tui.domain.models import Task, TaskState
from swarm_tui.goals.dispatch import advance_running
from swarm_tui.goals.moves import GoalMoves
from swarm_tui.goals.plan import Plan
from swarm_tui.goals.steps import BAD, step_status

__all__ = ["advance_synthesizing"]


async def advance_synthesizing(moves: GoalMoves, goal: Goal, tasks: list[Task]) -> None:
    status = step_status(tasks, SYNTHESIS_STEP)
    task = status.task
    if task is None:  # killed between the state change and the submit
        await moves.ledger.update_goal(goal.id, moves.control.clock(), state=GoalState.RUNNING)
        await advance_running(moves, await moves.goal(goal.id), tasks)
        return
    if task.state in BAD:
        await moves.stop(goal, GoalState.NEEDS_HUMAN, f"the synthesis (task #{task.id})"
                         f" {task.state.value}: {task.error or ''}")  # fmt: skip
        return
    if task.state != TaskState.SUCCEEDED:
        return
    plan = Plan.model_validate_json(goal.plan or "{}")
    scores = [
        s.score
        for g in plan.steps
        if g.reviews is not None and (s := step_status(tasks, g.name)).score is not None
    ]
    score = sum(scores) / len(scores) if scores else None
    await moves.stop(goal, GoalState.SUCCEEDED, "", result=task.result, score=score)
