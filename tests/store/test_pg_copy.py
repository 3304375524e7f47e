"""``swarm-tui ledger copy``: a SQLite ledger to PostgreSQL and back, through the command,
every table's rows with their ids, counts checked; a ledger that is not empty is refused."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

from swarm_tui.domain.evals import EvalResult
from swarm_tui.domain.goals import GoalState
from swarm_tui.domain.models import AttemptState, TaskState
from swarm_tui.domain.reads import ConsensusRow, ModelFigures
from swarm_tui.domain.workspaces import CheckRun, RoundRecord, WorkspaceRow
from swarm_tui.store.ledger import Ledger, SqliteLedger
from swarm_tui.store.pg.ledger import PgLedger
from swarm_tui.store.pg.url import PgTarget
from swarm_tui.store.tools import Approval, ToolCallRecord
from swarm_tui.store.writes import AttemptEnd
from tests.cli_ledger import cli_env
from tests.pg import PgServer
from tests.store.test_ledger import NOW, new


def _copy(source: str, dest: str, password: str) -> subprocess.CompletedProcess[str]:
    env = {**cli_env(Path(source).parent), "SWARM_PG_PASSWORD": password}
    env.pop("SWARM_TUI_DB_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "swarm_tui.cli.main", "ledger", "copy", source, dest],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip


async def _fill(led: Ledger) -> None:
    made = await led.insert_tasks([new("one", key="k1", tags=("x",)), new("two", after=(1,))], NOW)
    assert [tid for tid, _ in made] == [1, 2]
    att = await led.claim(1, agent="a", provider="p1", model="m1", reason="r", owner="h:1:1",
                          now=NOW, lease_until=NOW + 60)  # fmt: skip
    assert att is not None
    led.append_output(att.id, "forty-two")
    end = AttemptEnd(AttemptState.SUCCEEDED, task_state=TaskState.SUCCEEDED, tokens_in=5,
                     tokens_out=7, cost_usd=0.25, usage_source="reported",
                     result_from_output=True)  # fmt: skip
    assert await led.finish_attempt(att, end, NOW + 1)
    await led.set_flag("paused:b", "1", NOW)
    await led.put_memory("proj", "notes/a", "remember", "me", NOW)
    await led.set_approval(Approval("a", "fs__read", "h", "always", "human:always", NOW))
    await led.record_tool_call(ToolCallRecord(1, att.id, "c1", "fs__read", {"p": 1}, "ok", ts=NOW))
    await led.save_consensus(
        ConsensusRow(1, att.id, "consensus", "decided", "vote", "m1", 1.0, 0.1, "{}",
                     models=(ModelFigures("p1/m1", 1, 1, 2, None, 0, 0.1),)),
        NOW,
    )  # fmt: skip
    # the tables of goals, evals and workspaces (and tasks' columns for them)
    goal = await led.insert_goal("ship it", GoalState.RUNNING, NOW, plan='{"steps": []}', key="g1")
    step = dataclasses.replace(new("plan"), goal_id=goal.id, step="plan", output_schema="{}",
                               project="proj")  # fmt: skip
    await led.insert_tasks([step], NOW)
    run = await led.add_eval_run("r1", "set", "d1", ["p1/m1"], 1, None, NOW)
    assert await led.save_eval_result(
        EvalResult(run.id, "c1", "p1/m1", 0, (1,), "p1/m1", "a", "42", True, None, "", False,
                   0.1, 5, 7, 12.5, NOW)
    )  # fmt: skip
    await led.save_eval_pair(run.id, "c1", "p1/m1", "p1/m2", 0, "a", NOW)
    assert await led.add_shadow(1, "a", "p1/m2", "p1/m1", NOW)
    await led.update_shadow(1, NOW, shadow_task_id=2, verdict="same", cost_usd=0.05)
    await led.save_workspace(WorkspaceRow(3, 1, "proj", "/w/3-1", "swarm/3-1", "main", "abc",
                                          "open", conflicts=("a.py",)))  # fmt: skip
    await led.record_round(
        RoundRecord(3, 1, 1, "def", 1, 2, 0, (("a.py", 2, 0),), True, NOW),
        [CheckRun(3, 1, 1, "tests", "pytest", 0, False, 1.5, "ok", NOW)],
    )


async def _picture(led: Ledger) -> tuple[object, ...]:
    tasks = await led.list_tasks()
    return (
        tasks,
        [await led.attempts(t.id) for t in tasks],
        await led.events(),
        await led.flags(),
        await led.memories("proj"),
        await led.approval("a", "fs__read"),
        await led.tool_calls(task_id=1),
        await led.consensus_since(0.0),
        await led.totals(),
        await led.list_goals(),
        await led.goal_tasks(1),
        await led.eval_runs(),
        await led.eval_results(1),
        await led.eval_pairs(1),
        await led.shadow_samples(),
        await led.workspace_rows(3),
        await led.workspace_rounds(3),
        await led.check_runs(3),
    )


async def test_a_ledger_goes_to_postgresql_and_back_unchanged(
    pg_server: PgServer, pg_target: PgTarget, tmp_path: Path
) -> None:
    first = tmp_path / "first.db"
    led = await SqliteLedger.open(first, commit_interval=0.005)
    await _fill(led)
    before = await _picture(led)
    await led.close()

    there = _copy(str(first), pg_target.url, pg_server.password)
    assert there.returncode == 0, there.stderr
    assert "tasks                     3 ->         3  ok" in there.stdout
    assert "every count matches" in there.stdout
    assert pg_server.password not in there.stdout + there.stderr

    pg = await PgLedger.open(pg_target, tmp_path / "unused.db", commit_interval=0.005)
    try:
        assert await _picture(pg) == before
        [(third, _)] = await pg.insert_tasks([new("three")], NOW)
        assert third == 4  # the ids go on after the copied ones
        other = await pg.insert_goal("and again", GoalState.RUNNING, NOW)
        assert other.id == 2
        after = await _picture(pg)
    finally:
        await pg.close()

    back = tmp_path / "back.db"
    again = _copy(pg_target.url, str(back), pg_server.password)
    assert again.returncode == 0, again.stderr
    led = await SqliteLedger.open(back, readonly=True)
    try:
        assert await _picture(led) == after
    finally:
        await led.close()


async def test_a_ledger_that_is_not_empty_is_refused(
    pg_server: PgServer, pg_target: PgTarget, tmp_path: Path
) -> None:
    source = tmp_path / "source.db"
    led = await SqliteLedger.open(source)
    await _fill(led)
    await led.close()
    assert _copy(str(source), pg_target.url, pg_server.password).returncode == 0
    refused = _copy(str(source), pg_target.url, pg_server.password)
    assert refused.returncode == 1
    assert "not empty (" in refused.stderr and "Nothing was copied" in refused.stderr
    pg = await PgLedger.open(pg_target, tmp_path / "unused.db", readonly=True)
    try:
        assert len(await pg.list_tasks()) == 3  # nothing doubled
    finally:
        await pg.close()
