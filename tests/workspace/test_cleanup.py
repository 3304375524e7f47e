"""Reject removes a task's branch and worktree; gc removes ended tasks' worktrees and never
a branch that is neither merged nor rejected.

No ledger: git alone (reject and gc through the ledger run on both backends in
test_swarm_review.py and test_cli_workspaces.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarm_tui.workspace.changes import commit_changes
from swarm_tui.workspace.cleanup import collect_garbage, reject_task
from swarm_tui.workspace.merge import merge_task
from swarm_tui.workspace.project import Project
from swarm_tui.workspace.state import WorkspaceState
from swarm_tui.workspace.worktrees import WorkspaceError, find_state, open_worktree
from tests.workspace.gitrepo import make_repo, open_calc, sh


async def _task(project: Project, task: int, name: str) -> WorkspaceState:
    state = (await open_worktree(project, task, f"task {task}")).state
    (Path(state.worktree) / name).write_text(f"work of task {task}\n")
    assert await commit_changes(project, state, agent="a", model="p/m")
    return state


def _branches(repo: Path) -> list[str]:
    return sh(repo, "branch", "--format=%(refname:short)").splitlines()


async def test_reject_removes_branch_and_worktree_and_says_how_to_restore(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    project = await open_calc(repo, tmp_path / "data")
    state = await _task(project, 1, "a.txt")
    (Path(state.worktree) / "leftover.txt").write_text("uncommitted\n")
    tip = sh(repo, "rev-parse", state.branch)
    assert await reject_task(project, state) == tip
    assert not Path(state.worktree).exists()
    assert _branches(repo) == ["main"]
    saved = find_state(project, 1)
    assert saved is not None and saved.status == "rejected" and saved.rejected_tip == tip
    assert sh(repo, "cat-file", "-t", tip) == "commit"  # still restorable
    with pytest.raises(WorkspaceError, match="has ended"):
        await open_worktree(project, 1, "task 1")


async def test_gc_keeps_unmerged_branches(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    project = await open_calc(repo, tmp_path / "data")
    merged = await _task(project, 1, "a.txt")
    waiting = await _task(project, 2, "b.txt")
    failed = await _task(project, 3, "c.txt")  # ended in the ledger, never merged
    dirty = await _task(project, 4, "d.txt")
    (Path(dirty.worktree) / "d.txt").write_text("changed after the commit\n")
    assert (await merge_task(project, merged)).merged
    report = await collect_garbage(project, ended={3, 4})
    assert report.removed_worktrees == [merged.worktree, failed.worktree]
    assert report.deleted_branches == [merged.branch]
    assert report.forgotten == [1]
    kept = dict(report.kept)
    assert kept[2] == "open: not ended"
    assert kept[3] == f"branch {failed.branch} is not merged"
    assert kept[4].startswith("uncommitted changes in") and "d.txt" in kept[4]
    assert _branches(repo) == ["main", waiting.branch, failed.branch, dirty.branch]
    assert Path(waiting.worktree).is_dir() and Path(dirty.worktree).is_dir()
    assert sh(repo, "ls-tree", "--name-only", "main", "a.txt", "b.txt") == "a.txt"
    assert find_state(project, 1) is None and find_state(project, 3) is not None
