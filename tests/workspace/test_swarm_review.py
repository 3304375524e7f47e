"""Coding tasks end to end: a real git project, a scripted agent CLI editing its worktree,
the project's pytest as the check, review over the ledger, merges into the base."""

from __future__ import annotations

import asyncio
from pathlib import Path

from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.store.ledger import Ledger
from tests.workspace.gitrepo import CALC_BROKEN, CALC_FIXED, make_repo, sh
from tests.workspace.swarm import Agent, make_agent, make_swarm, swarm_settings

FIX = {"write": {"calc.py": CALC_FIXED}, "say": "add() adds now"}


async def _swarm(tmp_path: Path, **project: object) -> tuple[Path, Agent, Ledger, Orchestrator]:
    repo = make_repo(tmp_path / "repo")
    agent = make_agent(tmp_path)
    ledger = await Ledger.open(tmp_path / "data" / "ledger.db", commit_interval=0.005)
    orch = make_swarm(swarm_settings(repo, agent, **project), ledger, tmp_path / "logs")
    return repo, agent, ledger, orch


async def _run(orch: Orchestrator) -> None:
    await asyncio.wait_for(orch.run(until_idle=True), 120)


async def test_checks_pass_then_review_then_accept_merges_into_the_base(tmp_path: Path) -> None:
    repo, agent, ledger, orch = await _swarm(tmp_path)
    agent.play({"[[fix]]": [FIX]})
    (repo / "notes.txt").write_text("my own uncommitted work\n")  # the user's, untouched
    try:
        [(task, _)] = await orch.submit([TaskSpec(prompt="[[fix]] make add() add", role="coder")])
        assert task.project == "calc"  # the role's default project
        await _run(orch)
        done = await orch.task(task.id)
        assert done.state is TaskState.NEEDS_REVIEW, done.error
        [run] = agent.runs()
        row = await ledger.workspace_of(task.id)
        assert row is not None and row.state == "needs_review"
        assert Path(run["cwd"]).resolve() == Path(row.path).resolve()  # the CLI ran there
        assert row.branch.startswith(f"swarm/{task.id}-") and row.base == "main"
        review = await orch.review_of(task.id)
        assert review is not None and review.passed is True
        assert [(f.path, f.added, f.removed) for f in review.files] == [("calc.py", 1, 1)]
        assert "+    return a + b" in review.files[0].diff
        assert [c.name for c in review.checks] == [review.checks[0].command]
        assert "2 passed" in review.checks[0].output and "add() adds now" in review.summary
        [rnd] = review.rounds
        assert rnd.commit and rnd.files == 1 and rnd.passed is True
        author = sh(repo, "log", "-1", "--format=%an|%s", row.branch)
        assert author == f"coder (cli/m)|{task.title} (task {task.id})"
        assert (repo / "calc.py").read_text() == CALC_BROKEN  # nothing merged yet

        out = await orch.review_accept(task.id)
        assert out.done, out.message
        assert (await orch.task(task.id)).state is TaskState.SUCCEEDED
        assert sh(repo, "show", "main:calc.py") + "\n" == CALC_FIXED
        assert (repo / "calc.py").read_text() == CALC_FIXED  # the checkout followed main
        assert (repo / "notes.txt").read_text() == "my own uncommitted work\n"
        merged = await ledger.workspace_of(task.id)
        assert merged is not None and merged.state == "merged" and merged.merged
    finally:
        await orch.stop()
        await ledger.close()
