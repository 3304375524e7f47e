"""``swarm-tui workspaces`` and ``swarm-tui review`` over a real repository, a real ledger
and tasks a scripted agent CLI worked on through the orchestrator; on both ledger backends
(the commands find a PostgreSQL ledger through ``$SWARM_TUI_DB_URL``), but for the missing
ledger file, which only SQLite has."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from swarm_tui.cli.main import main
from swarm_tui.domain.models import TaskSpec, TaskState
from tests.backends import Backend
from tests.workspace.gitrepo import CALC_FIXED, make_repo, sh
from tests.workspace.swarm import Agent, make_agent, make_swarm, swarm_settings

FIX = {"write": {"calc.py": CALC_FIXED}, "say": "add() adds now"}
DOCS = {"replace": [["README.md", "line two", "line 2"]], "say": "docs"}


async def _worked(backend: Backend, tmp_path: Path, script: dict[str, list[dict[str, object]]],
                  prompts: list[str]) -> tuple[Path, Agent, list[str]]:  # fmt: skip
    """Run the swarm over ``prompts`` until idle; the repo, the agent and CLI options."""
    repo = make_repo(tmp_path / "repo")
    agent = make_agent(tmp_path)
    agent.play(script)
    settings = swarm_settings(repo, agent)
    db = tmp_path / "data" / "ledger.db"
    ledger = await backend.open(db)
    backend.export(db)  # the commands below read the same ledger
    orch = make_swarm(settings, ledger, tmp_path / "logs")
    try:
        await orch.submit([TaskSpec(prompt=p, role="coder") for p in prompts])
        await asyncio.wait_for(orch.run(until_idle=True), 120)
        for task in await orch.tasks():
            assert task.state is TaskState.NEEDS_REVIEW, task.error
    finally:
        await orch.stop()
        await ledger.close()
    return repo, agent, ["--config", str(agent.root / "config.toml"), "--db", str(db)]


async def _state(backend: Backend, db: Path, task_id: int) -> TaskState:
    ledger = await backend.open(db, readonly=True)
    try:
        task = await ledger.get_task(task_id)
        assert task is not None
        return task.state
    finally:
        await ledger.close()


def test_list_show_accept_reject_gc(
    backend: Backend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = ["[[fix]] make add() add", "[[docs]] number the lines"]
    repo, _agent, common = asyncio.run(
        _worked(backend, tmp_path, {"[[fix]]": [FIX], "[[docs]]": [DOCS]}, prompts)
    )
    db = Path(common[-1])
    assert main(["workspaces", *common]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].split() == [
        "TASK",
        "PROJECT",
        "WORKSPACE",
        "TASK",
        "STATE",
        "BRANCH",
        "WORKTREE",
    ]
    assert listed[1].split()[:5] == [
        "1",
        "calc",
        "needs_review",
        "needs_review",
        "swarm/1-fix-make-add-add",
    ]
    assert listed[2].split()[:2] == ["2", "calc"]

    assert main(["review", "list", *common]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[1].split()[:6] == ["1", "calc", "1", "+1/-1", "1/1", "passed"]
    assert rows[2].split()[:5] == ["2", "calc", "1", "+1/-1", "0/1"]  # calc is still broken

    assert main(["review", "show", "1", *common]) == 0
    shown = capsys.readouterr().out
    assert "swarm/1-fix-make-add-add -> main (workspace needs_review)" in shown
    assert "+1 -1  calc.py" in shown and "2 passed" in shown
    assert "+    return a + b" in shown and "add() adds now" in shown

    assert main(["review", "accept", "1", *common]) == 0
    assert "merged into main" in capsys.readouterr().out
    assert (repo / "calc.py").read_text() == CALC_FIXED
    assert asyncio.run(_state(backend, db, 1)) is TaskState.SUCCEEDED

    assert main(["review", "reject", "2", "--note", "not needed", *common]) == 0
    assert "rejected; git branch swarm/2-" in capsys.readouterr().out
    assert asyncio.run(_state(backend, db, 2)) is TaskState.CANCELLED

    assert main(["review", "accept", "2", *common]) == 2  # no longer waiting
    assert "only tasks in needs_review" in capsys.readouterr().err

    assert main(["workspaces", "gc", *common]) == 0
    out = capsys.readouterr().out
    assert "deleted merged branch swarm/1-fix-make-add-add" in out
    assert sh(repo, "branch", "--format=%(refname:short)") == "main"


def test_a_conflict_exits_1_names_the_file_and_send_back_requeues(
    backend: Backend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _agent, common = asyncio.run(
        _worked(backend, tmp_path, {"[[fix]]": [FIX]}, ["[[fix]] add"])
    )
    db = Path(common[-1])
    (repo / "calc.py").write_text("# the base moved\n")
    sh(repo, "commit", "-qam", "base moved")
    assert main(["review", "accept", "1", *common]) == 1
    out = capsys.readouterr().out
    assert "conflict: calc.py" in out and "review send-back 1" in out
    assert main(["review", "show", "1", *common]) == 0
    assert "conflicts with main: calc.py" in capsys.readouterr().out
    assert main(["review", "send-back", "1", "--note", "rebase it", *common]) == 0
    assert "sent back with its conflict to resolve" in capsys.readouterr().out
    assert asyncio.run(_state(backend, db, 1)) is TaskState.QUEUED
    assert main(["review", "show", "99", *common]) == 2
    assert "task 99 has no workspace" in capsys.readouterr().err


def test_review_without_a_ledger_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["review", "list", "--db", str(tmp_path / "none.db")]) == 2
    assert "none.db" in capsys.readouterr().err


def test_gc_keeps_the_branch_of_a_cancelled_task(
    backend: Backend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _agent, common = asyncio.run(
        _worked(backend, tmp_path, {"[[fix]]": [FIX]}, ["[[fix]] add"])
    )
    branch = "swarm/1-fix-add"
    assert main(["workspaces", "gc", *common]) == 0  # still waiting for review: all kept
    assert "kept task 1: needs_review: not ended" in capsys.readouterr().out
    assert main(["cancel", "1", *common]) == 0
    capsys.readouterr()
    assert main(["workspaces", "gc", *common]) == 0
    out = capsys.readouterr().out
    assert "removed worktree" in out and f"kept task 1: branch {branch} is not merged" in out
    assert sh(repo, "branch", "--list", branch).strip() == branch
    assert main(["workspaces", *common]) == 0
    assert "(removed)" in capsys.readouterr().out
