"""A running goal's steps: each is submitted once every step it depends on passed (a code
step after its same-project dependencies, from their branch), each review gate takes its
turn, and once every step passed and nothing waits for review the synthesis is submitted.
A failed step stops the goal for a person; a held one is named in the goal's reason."""

from __future__ import annotations

from swarm_tui.domain.goals import SYNTHESIS_STEP, Goal, GoalState, step_label
from swarm_tui.domain.models import Task, TaskMode
from swarm_tui.goals.gates import review_round
from swarm_tui.goals.moves import GoalMoves
from swarm_tui.goals.plan import Plan
from swarm_tui.goals.prompts import step_prompt, synthesis_prompt
from swarm_tui.goals.steps import (
    BAD,
    NEEDS_REVIEW,
    StepStatus,
    branches,
    passed,
    step_status,
    step_tags,
)
from swarm_tui.goals.waiting import waiting_reason

__all__ = ["advance_running"]


async def advance_running(moves: GoalMoves, goal: Goal, tasks: list[Task]) -> None:
    plan = Plan.model_validate_json(goal.plan or "{}")
    results = {s.name: step_status(tasks, s.name) for s in plan.steps}
    texts = {n: (s.task.result or "") if s.task else "" for n, s in results.items()}
    for step in plan.steps:
        status = results[step.name]
        task = status.task
        if task is not None and task.state in BAD:
            reason = f"step {step.name!r} (task #{task.id}) {task.state.value}"
            await moves.stop(goal, GoalState.NEEDS_HUMAN, f"{reason}: {task.error or ''}")
            return
        if step.reviews is not None:
            if await review_round(moves, goal, plan, step, tasks, texts):
                return
            continue
        if task is None and all(passed(plan, tasks, d, goal.pass_mark, step.name)
                                for d in step.depends_on):  # fmt: skip
            prompt = step_prompt(step, goal.request, texts)
            after = branches(plan, results, step)
            await moves.submit(goal, step_label(step.name, 1), step.role, prompt,
                               mode=TaskMode(step.mode), tags=step_tags(step),
                               project=step.project, after=after)  # fmt: skip
    all_passed = all(passed(plan, tasks, s.name, goal.pass_mark) for s in plan.steps)
    unmerged = [s.task for s in results.values() if s.task and s.task.state == NEEDS_REVIEW]
    waiting = unmerged if all_passed else []
    await moves.note(
        goal, waiting_reason(waiting, [s.task for s in results.values()], moves.stopped)
    )
    if all_passed and not unmerged:
        summaries = await _diff_summaries(moves, plan, results)
        done = [(s.name, s.role, texts[s.name]) for s in plan.steps]
        prompt = synthesis_prompt(goal.request, done, summaries)
        await moves.ledger.update_goal(goal.id, moves.control.clock(),
                                       state=GoalState.SYNTHESIZING)  # fmt: skip
        await moves.submit(goal, step_label(SYNTHESIS_STEP, 1), moves.synthesizer(), prompt)


async def _diff_summaries(
    moves: GoalMoves, plan: Plan, results: dict[str, StepStatus]
) -> dict[str, str]:
    out: dict[str, str] = {}
    for step in plan.steps:
        task = results[step.name].task
        if task is not None and task.project is not None:
            out[step.name] = await moves.diff_summary(task.id)
    return out
