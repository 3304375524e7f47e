"""The goal engine against loopback stand-ins, on a real orchestrator and ledger: an invalid
plan retried with the errors, a cyclic plan refused, a review scoring 6 sending the step back
and 8 passing it, a template workflow run without the planner, and a plan awaiting approval."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from swarm_tui.core.errors import ControlError
from swarm_tui.domain.goals import GoalState
from swarm_tui.domain.models import TaskState
from swarm_tui.goals.plan import Plan
from tests.backends import Backend
from tests.goals.standin import Script, goal_world

TIMEOUT = 60


def step(name: str, role: str = "backend", deps: tuple[str, ...] = (), **kw: object) -> dict:
    return {"name": name, "role": role, "prompt": f"do {name}", "depends_on": list(deps),
            "mode": "single", "acceptance": f"{name} done", **kw}  # fmt: skip


FEATURE = {
    "workflows": {
        "feature": {
            "steps": [
                {"name": "implement", "role": "backend", "prompt": "Implement: {goal}"},
                {
                    "name": "tests",
                    "role": "qa-lead",
                    "depends_on": ["implement"],
                    "prompt": "Write tests for this:\n{result:implement}",
                },
                {
                    "name": "review",
                    "role": "code-reviewer",
                    "depends_on": ["tests"],
                    "reviews": "tests",
                    "prompt": "Review the tests.",
                },
            ]
        }
    }
}


async def test_invalid_plan_is_retried_with_the_errors(backend: Backend, tmp_path: Path) -> None:
    bad = {"steps": [step("a", deps=("nowhere",))]}
    good = {"steps": [step("a"), step("b", role="qa-lead", deps=("a",))]}
    script = Script(plans=["not json at all", bad, good], reviews=[{"score": 9, "reason": "ok"}])
    async with goal_world(
        backend, tmp_path, script, goals={"auto_approve": True, "poll_seconds": 0.2}
    ) as (
        engine,
        orch,
        _,
    ):
        goal = await engine.start("ship it")
        async with asyncio.timeout(TIMEOUT):
            goal = await engine.drive(goal.id)
        assert goal.state == GoalState.SUCCEEDED, goal.reason
        tasks = await orch.ledger.goal_tasks(goal.id)
        steps = [t.step for t in tasks]
        assert steps[:3] == ["plan#1", "plan#2", "plan#3"]
        assert set(steps[3:]) == {"a#1", "b#1", "synthesis#1"}
        second, third = tasks[1].prompt, tasks[2].prompt
        assert "the reply is not JSON" in second and "not json at all" in second
        assert "no step is named 'nowhere'" in third
        assert Plan.model_validate_json(goal.plan or "").steps[1].depends_on == ["a"]
        assert all(t.goal_id == goal.id for t in tasks)
        assert goal.result == tasks[-1].result


async def test_plan_still_invalid_after_the_retries_goes_to_the_human(
    backend: Backend, tmp_path: Path
) -> None:
    script = Script(plans=["{}"], reviews=[{"score": 9, "reason": "ok"}])
    extra = {"goals": {"plan_retries": 1, "poll_seconds": 0.2}}
    async with goal_world(backend, tmp_path, script, **extra) as (engine, _, _):
        goal = await engine.start("ship it")
        async with asyncio.timeout(TIMEOUT):
            goal = await engine.drive(goal.id)
        assert goal.state == GoalState.NEEDS_HUMAN
        assert goal.reason is not None and "no valid plan after 2 tries" in goal.reason
        assert "steps: Field required" in goal.reason


async def test_cyclic_plan_is_refused_with_the_cycle(backend: Backend, tmp_path: Path) -> None:
    cyclic = {"steps": [step("a", deps=("b",)), step("b", deps=("a",))]}
    script = Script(plans=[cyclic], reviews=[{"score": 9, "reason": "ok"}])
    async with goal_world(backend, tmp_path, script) as (engine, orch, _):
        goal = await engine.start("ship it", approve=True)
        async with asyncio.timeout(TIMEOUT):
            goal = await engine.drive(goal.id)
        assert goal.state == GoalState.REFUSED
        assert goal.reason == "the plan has a dependency cycle: a -> b -> a"
        assert [t.step for t in await orch.ledger.goal_tasks(goal.id)] == ["plan#1"]


async def test_unknown_role_and_over_budget_are_refused(backend: Backend, tmp_path: Path) -> None:
    stranger = {"steps": [step("a", role="astronaut")]}
    script = Script(plans=[stranger], reviews=[{"score": 9, "reason": "ok"}])
    async with goal_world(backend, tmp_path, script) as (engine, _, _):
        goal = await engine.start("ship it", approve=True)
        async with asyncio.timeout(TIMEOUT):
            goal = await engine.drive(goal.id)
        assert goal.state == GoalState.REFUSED
        assert goal.reason is not None and "unknown role 'astronaut'" in goal.reason
    script = Script(plans=[{"steps": [step("a")]}], reviews=[{"score": 9, "reason": "ok"}])
    goals = {"budget_usd": 0.00001, "poll_seconds": 0.2}
    async with goal_world(backend, tmp_path / "b", script, goals=goals) as (engine, _, _):
        goal = await engine.start("ship it", approve=True)
        async with asyncio.timeout(TIMEOUT):
            goal = await engine.drive(goal.id)
        assert goal.state == GoalState.REFUSED
        assert goal.reason is not None and "over [goals] budget_usd" in goal.reason


async def test_review_scoring_6_sends_the_step_back_and_8_passes(
    backend: Backend, tmp_path: Path
) -> None:
    script = Script(
        plans=["unused"],
        reviews=[{"score": 6, "reason": "misses the edge case"}, {"score": 8, "reason": "good"}],
    )
    async with goal_world(backend, tmp_path, script, **FEATURE) as (engine, orch, _):
        goal = await engine.start("add a health endpoint", workflow="feature", approve=True)
        async with asyncio.timeout(TIMEOUT):
            goal = await engine.drive(goal.id)
        assert goal.state == GoalState.SUCCEEDED, goal.reason
        tasks = await orch.ledger.goal_tasks(goal.id)
        labels = [t.step for t in tasks]
        assert labels == [
            "implement#1", "tests#1", "review#1", "tests#2", "review#2", "synthesis#1",
        ]  # fmt: skip
        assert not any(label.startswith("plan") for label in labels)  # no planner
        second = tasks[3].prompt
        assert "scored your previous answer 6/10" in second and "misses the edge case" in second
        assert tasks[0].result is not None and tasks[0].result in tasks[1].prompt
        assert goal.rounds == 1 and goal.score == 8.0
        assert all(t.state == TaskState.SUCCEEDED for t in tasks)


async def test_review_still_under_the_mark_after_max_rounds_goes_to_the_human(
    backend: Backend,
    tmp_path: Path,
) -> None:
    script = Script(plans=["unused"], reviews=[{"score": 5, "reason": "wrong"}])
    async with goal_world(backend, tmp_path, script, **FEATURE) as (engine, _, _):
        goal = await engine.start("x", workflow="feature", approve=True)
        async with asyncio.timeout(TIMEOUT):
            goal = await engine.drive(goal.id)
        assert goal.state == GoalState.NEEDS_HUMAN
        assert goal.reason == "step 'tests' scored 5/10 (pass mark 8) after 2 round(s): wrong"


async def test_plan_waits_for_approval_and_runs_an_edited_plan(
    backend: Backend, tmp_path: Path
) -> None:
    plan = {"steps": [step("a"), step("b", deps=("a",)), step("c")]}
    script = Script(plans=[plan], reviews=[{"score": 9, "reason": "ok"}])
    async with goal_world(backend, tmp_path, script) as (engine, orch, _):
        goal = await engine.start("ship it")
        async with asyncio.timeout(TIMEOUT):
            goal = await engine.drive(goal.id)
        assert goal.state == GoalState.AWAITING_APPROVAL
        stored = Plan.model_validate_json(goal.plan or "")
        edited = Plan(steps=[stored.steps[0].model_copy(update={"prompt": "do a, edited"}),
                             stored.steps[2]])  # fmt: skip
        goal = await engine.approve(goal.id, edited)
        async with asyncio.timeout(TIMEOUT):
            goal = await engine.drive(goal.id)
        assert goal.state == GoalState.SUCCEEDED
        tasks = await orch.ledger.goal_tasks(goal.id)
        assert [t.step for t in tasks] == ["plan#1", "a#1", "c#1", "synthesis#1"]
        assert "do a, edited" in tasks[1].prompt
        with pytest.raises(ControlError, match="not awaiting approval"):
            await engine.approve(goal.id)


async def test_unknown_workflow_is_a_clear_error(backend: Backend, tmp_path: Path) -> None:
    script = Script(plans=["unused"], reviews=[{"score": 9, "reason": "ok"}])
    async with goal_world(backend, tmp_path, script, **FEATURE) as (engine, _, _):
        with pytest.raises(ControlError, match=r"unknown workflow 'nope' \(known: feature\)"):
            await engine.start("x", workflow="nope")


async def test_a_goal_waiting_for_a_person_resumes_with_one_more_plan(
    backend: Backend, tmp_path: Path
) -> None:
    good = {"steps": [step("a")]}
    script = Script(plans=["{}", "{}", good], reviews=[{"score": 9, "reason": "ok"}])
    extra = {"goals": {"plan_retries": 1, "auto_approve": True, "poll_seconds": 0.2}}
    async with goal_world(backend, tmp_path, script, **extra) as (engine, orch, _):
        goal = await engine.start("ship it")
        async with asyncio.timeout(TIMEOUT):
            goal = await engine.drive(goal.id)
        assert goal.state == GoalState.NEEDS_HUMAN
        goal = await engine.resume(goal.id)
        # taken up again: planning, or already running when the running orchestrator answered
        # the third plan before resume read the goal back (a loaded machine)
        assert goal.state in (GoalState.PLANNING, GoalState.RUNNING) and goal.reason is None
        async with asyncio.timeout(TIMEOUT):
            goal = await engine.drive(goal.id)
        assert goal.state == GoalState.SUCCEEDED, goal.reason
        steps = [t.step for t in await orch.ledger.goal_tasks(goal.id)]
        assert steps == ["plan#1", "plan#2", "plan#3", "a#1", "synthesis#1"]


async def test_cancel_survives_a_step_that_ends_while_it_cancels(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race CI once met: the goal's tasks are read while the planner runs, the planner
    answers, and only then is its cancel asked for; the goal is cancelled all the same and
    the answered task keeps its result."""
    script = Script(plans=[{"steps": [step("a")]}], reviews=[{"score": 9, "reason": "ok"}])
    async with goal_world(backend, tmp_path, script) as (engine, orch, _):
        goal = await engine.start("ship it")
        stale = await orch.ledger.goal_tasks(goal.id)
        assert [t.state for t in stale] == [TaskState.QUEUED]
        async with asyncio.timeout(TIMEOUT):  # the planner answers (no advance asked for)
            while (task := await orch.ledger.get_task(stale[0].id)) is None or (
                task.state != TaskState.SUCCEEDED
            ):
                await asyncio.sleep(0.05)

        async def as_read_before(goal_id: int) -> list[object]:
            return list(stale)

        monkeypatch.setattr(orch.ledger, "goal_tasks", as_read_before)
        cancelled = await engine.cancel(goal.id)
        assert cancelled.state == GoalState.CANCELLED and cancelled.reason == "cancelled"
        planner = await orch.ledger.get_task(stale[0].id)
        assert planner is not None and planner.state == TaskState.SUCCEEDED
