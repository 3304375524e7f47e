"""A review gate's rounds: once the step it reviews has done a round (and the gate's own
dependencies passed), the gate scores that round; under the pass mark the step is sent back
with the score and the reason, until ``max_rounds``, when the goal stops for a person."""

from __future__ import annotations

from swarm_tui.domain.goals import Goal, GoalState, step_label
from swarm_tui.domain.models import Task, TaskMode, TaskState
from swarm_tui.goals.moves import GoalMoves
from swarm_tui.goals.plan import Plan, PlanStep
from swarm_tui.goals.prompts import REVIEW_SCHEMA, review_prompt, step_prompt
from swarm_tui.goals.steps import NEEDS_REVIEW, done, passed, sent_back, step_status, step_tags

__all__ = ["review_round"]


async def review_round(
    moves: GoalMoves,
    goal: Goal,
    plan: Plan,
    gate: PlanStep,
    tasks: list[Task],
    texts: dict[str, str],
) -> bool:
    """A review gate's turn; True when the goal stopped for a person."""
    target = plan.step(gate.reviews or "")
    work = step_status(tasks, target.name)
    mine = step_status(tasks, gate.name)
    ready = all(passed(plan, tasks, d, goal.pass_mark)
                for d in gate.depends_on if d != target.name)  # fmt: skip
    work_done = work.task is not None and done(work.task)
    if work_done and ready and mine.round < work.round:  # review this round of the work
        shown = texts[target.name]
        if work.task is not None and work.task.project is not None:
            summary = await moves.diff_summary(work.task.id)
            shown = f"{shown}\n\n## Its change\n{summary}" if summary else shown
        prompt = review_prompt(gate, target, goal.request, shown)
        await moves.submit(goal, step_label(gate.name, work.round), gate.role, prompt,
                           schema=REVIEW_SCHEMA, tags=step_tags(gate))  # fmt: skip
        return False
    if mine.task is None or mine.task.state != TaskState.SUCCEEDED or mine.round < work.round:
        return False
    if mine.score is None:
        shown = (mine.task.result or "")[:200]
        why = f"review {gate.name!r} (task #{mine.task.id}) gave no score from 1 to 10"
        await moves.stop(goal, GoalState.NEEDS_HUMAN, f"{why}: {shown!r}")
        return True
    if mine.score >= goal.pass_mark:
        return False
    if work.round >= goal.max_rounds:
        await moves.stop(goal, GoalState.NEEDS_HUMAN, f"step {target.name!r} scored"
                         f" {mine.score}/10 (pass mark {goal.pass_mark}) after"
                         f" {work.round} round(s): {mine.reason}")  # fmt: skip
        return True
    feedback = (mine.score, mine.reason, texts[target.name])
    prompt = step_prompt(target, goal.request, texts, feedback)
    rounds = sent_back(plan, tasks) + 1  # from the ledger: the same however often asked
    await moves.ledger.update_goal(goal.id, moves.control.clock(), rounds=rounds)
    before = (work.task.id,) if work.task and work.task.state == NEEDS_REVIEW else ()
    await moves.submit(goal, step_label(target.name, work.round + 1), target.role, prompt,
                       mode=TaskMode(target.mode), tags=step_tags(target),
                       project=target.project, after=before)  # fmt: skip
    return False
