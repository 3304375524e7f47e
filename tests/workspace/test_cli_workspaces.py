"""``swarm-tui workspaces`` and ``swarm-tui review`` over a real repository and config."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from swarm_tui.cli.main import main
from swarm_tui.config import load_settings
from swarm_tui.workspace.changes import commit_changes
from swarm_tui.workspace.finish import finish_attempt
from swarm_tui.workspace.project import open_project
from swarm_tui.workspace.worktrees import open_worktree
from tests.workspace.gitrepo import CALC_FIXED, PYTEST, make_repo, sh


async def _two_tasks(tmp_path: Path) -> tuple[Path, list[str]]:
    """A config with project calc, task 7 (fixes calc, checks pass) and task 8 (docs)."""
    repo = make_repo(tmp_path / "repo")
    config = tmp_path / "config.toml"
    config.write_text(f'[projects.calc]\nrepo = "{repo}"\nchecks = ["{PYTEST}"]\n')
    db = tmp_path / "data" / "ledger.db"
    project = await open_project(load_settings(config), "calc", db.parent)
    fix = (await open_worktree(project, 7, "Fix add")).state
    (Path(fix.worktree) / "calc.py").write_text(CALC_FIXED)
    assert (await finish_attempt(project, fix, agent="backend", model="p/m")).passed
    docs = (await open_worktree(project, 8, "Docs")).state
    (Path(docs.worktree) / "README.md").write_text("# calc\n")
    assert await commit_changes(project, docs, agent="writer", model="p/m")
    return repo, ["--config", str(config), "--db", str(db)]


def test_list_show_accept_reject_gc(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo, common = asyncio.run(_two_tasks(tmp_path))
    assert main(["workspaces", *common]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].split() == ["TASK", "PROJECT", "STATUS", "AHEAD", "BRANCH", "WORKTREE"]
    assert listed[1].split()[:5] == ["7", "calc", "needs_review", "1", "swarm/7-fix-add"]
    assert listed[2].split()[:5] == ["8", "calc", "open", "1", "swarm/8-docs"]

    assert main(["review", "list", *common]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[1].split() == ["7", "calc", "1", "+1/-1", "1/1", "passed", "Fix", "add"]

    assert main(["review", "show", "7", *common]) == 0
    shown = capsys.readouterr().out
    assert "swarm/7-fix-add -> main (needs_review)" in shown
    assert "+1 -1  calc.py" in shown and "2 passed" in shown
    assert "+    return a + b" in shown

    assert main(["review", "accept", "7", *common]) == 0
    assert "merged into main" in capsys.readouterr().out
    assert (repo / "calc.py").read_text() == CALC_FIXED

    assert main(["review", "reject", "8", *common]) == 0
    assert "branch swarm/8-docs deleted (git branch swarm/8-docs " in capsys.readouterr().out

    assert main(["workspaces", "gc", *common]) == 0
    out = capsys.readouterr().out
    assert "deleted merged branch swarm/7-fix-add" in out
    assert sh(repo, "branch", "--format=%(refname:short)") == "main"


def test_a_conflict_exits_1_and_names_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, common = asyncio.run(_two_tasks(tmp_path))
    (repo / "calc.py").write_text("# the base moved\n")
    sh(repo, "commit", "-qam", "base moved")
    assert main(["review", "accept", "7", *common]) == 1
    out = capsys.readouterr().out
    assert "conflict: calc.py" in out
    assert main(["review", "show", "99", *common]) == 2
    assert "task 99 has no workspace" in capsys.readouterr().err
