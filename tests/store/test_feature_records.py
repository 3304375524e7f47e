"""Goals, evals and workspaces records on both backends (the ``ledger`` fixture: SQLite, then
a real PostgreSQL server): the same calls give the same records."""

from __future__ import annotations

import dataclasses
import json

from swarm_tui.domain.evals import EvalResult
from swarm_tui.domain.goals import GoalState
from swarm_tui.domain.workspaces import CheckRun, RoundRecord, WorkspaceRow
from swarm_tui.store.ledger import Ledger
from tests.store.test_ledger import NOW, new


async def test_goals_are_kept_once_per_key_and_own_their_tasks(ledger: Ledger) -> None:
    goal = await ledger.insert_goal("ship", GoalState.PLANNING, NOW, key="g", pass_mark=7)
    again = await ledger.insert_goal("other words", GoalState.PLANNING, NOW, key="g")
    assert again.id == goal.id and again.request == "ship" and again.pass_mark == 7
    await ledger.update_goal(goal.id, NOW + 1, state=GoalState.RUNNING, approved=True, rounds=1)
    got = await ledger.goal_by_key("g")
    assert got is not None and got.state is GoalState.RUNNING and got.approved and got.rounds == 1
    other = await ledger.insert_goal("two", GoalState.REFUSED, NOW)
    assert [g.id for g in await ledger.list_goals()] == [other.id, goal.id]
    assert [g.id for g in await ledger.list_goals((GoalState.RUNNING,))] == [goal.id]
    step = dataclasses.replace(new("plan"), goal_id=goal.id, step="plan", output_schema="{}")
    [(task_id, _)] = await ledger.insert_tasks(
        [
            step,
        ],
        NOW,
    )
    [task] = await ledger.goal_tasks(goal.id)
    assert (task.id, task.goal_id, task.step, task.output_schema) == (
        task_id,
        goal.id,
        "plan",
        "{}",
    )
    kinds = [kind for kind, _, _ in await ledger.events()]
    assert kinds.count("goal") == 3  # made, state changed, the second goal made


async def test_eval_results_are_measured_once_and_shadows_reported(ledger: Ledger) -> None:
    run = await ledger.add_eval_run("r", "set", "d", ["a/m", "b/m"], 2, "exact", NOW)
    assert (await ledger.add_eval_run("r", "x", "y", [], 1, None, NOW + 5)) == run
    assert run.configs == ("a/m", "b/m") and [r.name for r in await ledger.eval_runs()] == ["r"]
    res = EvalResult(run.id, "c2", "a/m", 0, (1, 2), "a/m", "r", "42", True, None, "", True,
                     0.5, 3, 4, 9.0, NOW)  # fmt: skip
    assert await ledger.save_eval_result(res)
    assert not await ledger.save_eval_result(dataclasses.replace(res, answer="other"))
    first = dataclasses.replace(res, case_id="c1", passed=None, score=7.5, model=None)
    assert await ledger.save_eval_result(first)
    assert await ledger.eval_results(run.id) == [first, res]
    assert await ledger.eval_evidence() == [res]
    await ledger.save_eval_pair(run.id, "c1", "a/m", "b/m", 0, "a", NOW)
    await ledger.save_eval_pair(run.id, "c1", "a/m", "b/m", 0, "b", NOW)  # ignored: once
    assert await ledger.eval_pairs(run.id) == [("c1", "a/m", "b/m", 0, "a")]
    [(task_id, _), (shadow_id, _)] = await ledger.insert_tasks([new("live"), new("shadow")], NOW)
    assert await ledger.add_shadow(task_id, "r", "b/m", "a/m", NOW)
    assert not await ledger.add_shadow(task_id, "r", "b/m", "a/m", NOW)
    await ledger.update_shadow(task_id, NOW + 1, shadow_task_id=shadow_id, verdict="same",
                               cost_usd=0.25)  # fmt: skip
    [sample] = await ledger.shadow_samples()
    assert (sample.shadow_task_id, sample.verdict, sample.cost_usd) == (shadow_id, "same", 0.25)
    assert (await ledger.report_figures(None)).shadow == (sample,)


async def test_workspaces_rounds_and_checks(ledger: Ledger) -> None:
    [(task_id, _)] = await ledger.insert_tasks([dataclasses.replace(new(), project="p")], NOW)
    assert (await ledger.get_task(task_id)).project == "p"  # type: ignore[union-attr]
    row = WorkspaceRow(task_id, 1, "p", "/w/1", "swarm/1", "main", "abc", "opening")
    await ledger.save_workspace(row)
    await ledger.save_workspace(dataclasses.replace(row, state="open", updated_at=NOW))
    assert await ledger.set_workspace(task_id, 1, NOW + 1, state="needs_review", conflicts=["a"])
    assert not await ledger.set_workspace(task_id, 9, NOW + 1, state="open")
    await ledger.save_workspace(dataclasses.replace(row, attempt=2, state="open"))
    assert [w.attempt for w in await ledger.workspace_rows(task_id)] == [1, 2]
    assert [w.attempt for w in await ledger.workspace_rows()] == [2]  # the newest only
    assert await ledger.workspace_rows(states=["needs_review"]) == []
    first = (await ledger.workspace_rows(task_id))[0]
    assert (first.state, first.conflicts, first.updated_at) == ("needs_review", ("a",), NOW + 1)
    newest = await ledger.workspace_of(task_id)
    assert newest is not None and newest.attempt == 2
    rec = RoundRecord(task_id, 1, 1, "def", 1, 2, 0, (("a.py", 2, 0),), False, NOW)
    check = CheckRun(task_id, 1, 1, "tests", "pytest", None, True, 3.5, "slow", NOW)
    await ledger.record_round(rec, [check])
    assert await ledger.workspace_rounds(task_id) == [rec]
    assert await ledger.check_runs(task_id) == [check]
    await ledger.record_refusal(task_id, 1, "fs__write", "/etc/x", "outside", NOW)
    [(attempt, data)] = [(a, d) for k, a, d in await ledger.events(task_id) if k == "path_refused"]
    assert attempt == 1
    assert json.loads(data) == {"tool": "fs__write", "path": "/etc/x", "reason": "outside"}
