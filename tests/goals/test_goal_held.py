"""A goal whose planner's task the budget holds says why (``goal show``, the goals view's
reason line) instead of sitting silently in ``planning``: paused at its own ``task_usd``, or
queued behind a role's budget stop; once that limit is raised the goal plans on and the
reason is gone."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from swarm_tui.cli.goal import show_text
from swarm_tui.domain.goals import GoalState
from swarm_tui.domain.models import TaskState
from swarm_tui.goals.figures import goal_figures
from swarm_tui.goals.waiting import stalled
from tests.backends import Backend
from tests.goals.standin import Script, goal_world

TIMEOUT = 120
PLAN = {"steps": [{"name": "a", "role": "backend", "prompt": "do a", "depends_on": [],
                   "mode": "single", "acceptance": ""}]}  # fmt: skip


async def test_a_planner_held_by_the_task_budget_is_named_in_the_goal(
    backend: Backend, tmp_path: Path
) -> None:
    script = Script(plans=[PLAN], reviews=[{"score": 9, "reason": "ok"}])
    budget = {"baseline": "p/dear", "task_usd": 0.00001}
    async with goal_world(backend, tmp_path, script, budget=budget) as (engine, orch, settings):
        goal = await engine.start("ship it", approve=True)
        async with asyncio.timeout(TIMEOUT):
            goal = await engine.drive(goal.id)  # returns: the goal cannot move by itself
        [planner] = await orch.ledger.goal_tasks(goal.id)
        assert planner.state is TaskState.PAUSED and planner.error  # why the budget paused it
        assert goal.state is GoalState.PLANNING and stalled(goal)
        assert goal.reason == f"task #{planner.id} (plan#1) is held: {planner.error}"
        assert "task #1's budget" in goal.reason and not script.asked  # the planner was never asked
        fig = await goal_figures(orch.ledger, settings, goal, time.time())
        assert f"  why: task #{planner.id} (plan#1) is held: " in show_text(fig, None)

        goal = await engine.cancel(goal.id)
        assert goal.state is GoalState.CANCELLED


async def test_a_planner_behind_a_role_budget_stop_is_named_and_moves_on_when_raised(
    backend: Backend,
    tmp_path: Path,
) -> None:
    script = Script(plans=[PLAN], reviews=[{"score": 9, "reason": "ok"}])
    budget = {"baseline": "p/dear", "role_usd": {"project-manager": 0.00001}}
    async with goal_world(backend, tmp_path, script, budget=budget) as (engine, orch, _):
        goal = await engine.start("ship it", approve=True)
        async with asyncio.timeout(TIMEOUT):
            goal = await engine.drive(goal.id)
        [planner] = await orch.ledger.goal_tasks(goal.id)
        assert planner.state is TaskState.QUEUED and stalled(goal)
        assert goal.reason is not None
        said = f"task #{planner.id} (plan#1) is held: project-manager's budget"
        assert goal.reason.startswith(said)
        await orch.parts.spending.set_limit("role:project-manager", 1.0)
        async with asyncio.timeout(TIMEOUT):
            goal = await engine.drive(goal.id)
        assert goal.state is GoalState.SUCCEEDED, goal.reason
        assert not goal.reason


async def test_a_plan_over_the_task_budget_runs_once_the_limit_is_raised_at_runtime(
    backend: Backend, tmp_path: Path
) -> None:
    """The plan's per-step check reads the per-task limit as it is now, not the config's."""
    script = Script(plans=[PLAN], reviews=[{"score": 9, "reason": "ok"}])
    budget = {"baseline": "p/dear", "task_usd": 0.00001}
    flows = {"one": {"steps": [{"name": "a", "role": "backend", "prompt": "do a"}]}}
    async with goal_world(backend, tmp_path, script, budget=budget, workflows=flows) as (
        engine,
        orch,
        _,
    ):
        refused = await engine.start("ship it", workflow="one", approve=True)
        assert refused.state is GoalState.REFUSED
        assert refused.reason is not None and "is over [budget] task_usd $0.0000" in refused.reason
        await orch.parts.spending.set_limit("task", 1.0)
        goal = await engine.start("ship it again", workflow="one", approve=True)
        assert goal.state is not GoalState.REFUSED, goal.reason
        async with asyncio.timeout(TIMEOUT):
            goal = await engine.drive(goal.id)
        assert goal.state is GoalState.SUCCEEDED, goal.reason
