"""A goal's planning: the planner's task (asked in a JSON schema), its answer checked; a bad
plan is asked again with its problems (up to ``[goals] plan_retries``), a valid one stored
before any of its tasks is created, then refused, left for approval or run."""

from __future__ import annotations

from collections.abc import Sequence

from swarm_tui.domain.goals import PLAN_STEP, Goal, GoalState, step_label
from swarm_tui.domain.models import Task, TaskState
from swarm_tui.goals.dispatch import advance_running
from swarm_tui.goals.moves import GoalMoves
from swarm_tui.goals.plan import ordered_plan_schema, parse_plan, plan_schema, refusal
from swarm_tui.goals.prompts import planner_prompt
from swarm_tui.goals.steps import BAD, step_status
from swarm_tui.goals.waiting import held_reason

__all__ = ["advance_planning", "retry_plan"]


async def advance_planning(moves: GoalMoves, goal: Goal, tasks: list[Task]) -> None:
    settings = moves.settings
    latest = step_status(tasks, PLAN_STEP)
    if latest.task is None:
        await _ask_planner(moves, goal, 1)
        return
    task = latest.task
    if task.state in BAD:
        await moves.stop(goal, GoalState.NEEDS_HUMAN, f"the planner's task #{task.id}"
                         f" {task.state.value}: {task.error or ''}".rstrip(": "))  # fmt: skip
        return
    if task.state != TaskState.SUCCEEDED:
        await moves.note(goal, held_reason([task], moves.stopped))
        return
    plan, errors = parse_plan(task.result or "", settings.goals.max_steps)
    if plan is None:
        if latest.round > settings.goals.plan_retries:
            listed = "; ".join(errors)
            await moves.stop(goal, GoalState.NEEDS_HUMAN, f"no valid plan after"
                             f" {latest.round} tries: {listed}")  # fmt: skip
            return
        await _ask_planner(moves, goal, latest.round + 1, errors, task.result)
        return
    why = refusal(settings, plan, goal.max_rounds, moves.control.parts.spending.limit("task"))
    if why:
        await moves.stop(goal, GoalState.REFUSED, why, plan=plan.to_json())
        return
    state = GoalState.RUNNING if goal.approved else GoalState.AWAITING_APPROVAL
    await moves.ledger.update_goal(goal.id, moves.control.clock(), state=state,
                                   plan=plan.to_json(), reason=None)  # fmt: skip
    if state == GoalState.RUNNING:
        await advance_running(moves, await moves.goal(goal.id), tasks)


async def retry_plan(moves: GoalMoves, goal: Goal) -> None:
    """The planner's next round, asked with the last round's problems (a failed planner's
    task is retried instead)."""
    tasks = await moves.ledger.goal_tasks(goal.id)
    latest = step_status(tasks, PLAN_STEP)
    if latest.task is None or latest.task.state != TaskState.SUCCEEDED:
        if latest.task is not None and latest.task.state in BAD:
            await moves.control.retry(latest.task.id)
        return
    _, errors = parse_plan(latest.task.result or "", moves.settings.goals.max_steps)
    await _ask_planner(moves, goal, latest.round + 1, errors, latest.task.result)


async def _ask_planner(
    moves: GoalMoves,
    goal: Goal,
    number: int,
    errors: Sequence[str] = (),
    last_reply: str | None = None,
) -> None:
    """The planner's round ``number``: after the first, with the last plan's problems and
    the reply that had them."""
    prompt = planner_prompt(moves.settings, goal.request, errors, last_reply)
    await moves.submit(goal, step_label(PLAN_STEP, number), moves.planner(), prompt,
                       schema=_schema(moves))  # fmt: skip


def _schema(moves: GoalMoves) -> dict[str, object]:
    """The plan's JSON schema for the planner's model: a grammar-constrained small local
    model gets the ordered one with at most four steps."""
    settings = moves.settings
    roles = list(settings.agents)
    agent = settings.agents[moves.planner()]
    heaviest = max(agent.mix, key=lambda ref: agent.mix[ref])
    provider = settings.providers[heaviest.partition("/")[0]]
    steps = settings.goals.max_steps
    if provider.kind == "local":  # a grammar-constrained small model
        return ordered_plan_schema(roles, min(steps, 4))
    return plan_schema(roles, steps)
