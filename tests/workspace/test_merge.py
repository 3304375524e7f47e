"""Accepting a task merges its branch into the base with plumbing: the user's checkout and
its uncommitted changes stay as they were; conflicts are reported and change nothing.

No ledger: git plumbing alone (merges through the ledger's review run on both backends in
test_swarm_review.py)."""

from __future__ import annotations

from pathlib import Path

from swarm_tui.workspace.changes import commit_changes
from swarm_tui.workspace.finish import finish_attempt
from swarm_tui.workspace.merge import merge_task
from swarm_tui.workspace.project import Project
from swarm_tui.workspace.state import WorkspaceState
from swarm_tui.workspace.worktrees import find_state, open_worktree
from tests.workspace.gitrepo import CALC_FIXED, make_repo, open_calc, sh


async def _task(project: Project, task: int, files: dict[str, str]) -> WorkspaceState:
    state = (await open_worktree(project, task, f"task {task}")).state
    for name, text in files.items():
        (Path(state.worktree) / name).write_text(text)
    assert await commit_changes(project, state, agent="backend", model="p/m")
    return state


async def test_accept_keeps_the_users_dirty_checkout(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    project = await open_calc(repo, tmp_path / "data")
    state = await _task(project, 1, {"calc.py": CALC_FIXED, "health.py": "OK = True\n"})
    (repo / "README.md").write_text("# calc\n\nmy own unfinished words\n")
    (repo / "scratch.txt").write_text("not added\n")
    sh(repo, "add", "scratch.txt")  # staged, uncommitted
    outcome = await merge_task(project, state)
    assert outcome.merged and outcome.fast_forward, outcome.message
    assert sh(repo, "rev-parse", "main") == sh(repo, "rev-parse", "swarm/1-task-1")
    assert sh(repo, "symbolic-ref", "--short", "HEAD") == "main"
    assert (repo / "README.md").read_text() == "# calc\n\nmy own unfinished words\n"
    assert (repo / "scratch.txt").read_text() == "not added\n"
    assert sh(repo, "status", "--porcelain").splitlines() == [" M README.md", "A  scratch.txt"]
    assert (repo / "calc.py").read_text() == CALC_FIXED  # the checkout follows main
    assert outcome.followed == [str(repo)]
    saved = find_state(project, 1)
    assert saved is not None and saved.status == "merged" and saved.merged_commit


async def test_a_merge_that_would_overwrite_uncommitted_work_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    project = await open_calc(repo, tmp_path / "data")
    state = await _task(project, 1, {"calc.py": CALC_FIXED})
    before = sh(repo, "rev-parse", "main")
    (repo / "calc.py").write_text("# mine, not committed\n")
    outcome = await merge_task(project, state)
    assert not outcome.merged
    assert "calc.py" in outcome.message and str(repo) in outcome.message
    assert sh(repo, "rev-parse", "main") == before
    assert (repo / "calc.py").read_text() == "# mine, not committed\n"
    saved = find_state(project, 1)
    assert saved is not None and saved.status == "open"


async def test_two_tasks_on_different_files_both_merge(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    project = await open_calc(repo, tmp_path / "data")
    first = await _task(project, 1, {"calc.py": CALC_FIXED})
    second = await _task(project, 2, {"README.md": "# calc\n\nbetter docs\n"})
    assert (await merge_task(project, first)).fast_forward
    outcome = await merge_task(project, second)  # the base moved: a merge commit
    assert outcome.merged and not outcome.fast_forward
    parents = sh(repo, "log", "-1", "--format=%P", "main").split()
    assert parents == [
        sh(repo, "rev-parse", "swarm/1-task-1"),
        sh(repo, "rev-parse", "swarm/2-task-2"),
    ]
    assert sh(repo, "show", "main:calc.py") == CALC_FIXED.strip()
    assert sh(repo, "show", "main:README.md") == "# calc\n\nbetter docs"
    assert sh(repo, "status", "--porcelain") == ""  # the checkout followed, clean


async def test_same_lines_conflict_is_reported_with_its_files(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    project = await open_calc(repo, tmp_path / "data")
    first = await _task(project, 1, {"calc.py": CALC_FIXED})
    second = await _task(project, 2, {"calc.py": CALC_FIXED.replace("a + b", "b + a")})
    assert (await merge_task(project, first)).merged
    before = sh(repo, "rev-parse", "main")
    outcome = await merge_task(project, second)
    assert not outcome.merged and outcome.conflicts == ["calc.py"]
    assert "conflicts with main in 1 file(s): calc.py" in outcome.message
    assert sh(repo, "rev-parse", "main") == before
    assert sh(repo, "status", "--porcelain") == ""
    saved = find_state(project, 2)
    assert saved is not None and saved.status == "open" and "calc.py" in saved.note


async def test_merge_commit_style_and_a_base_not_checked_out(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    sh(repo, "checkout", "-q", "-b", "feature")
    project = await open_calc(repo, tmp_path / "data", base="main", merge_style="merge-commit")
    state = await _task(project, 1, {"calc.py": CALC_FIXED})
    outcome = await merge_task(project, state)
    assert outcome.merged and not outcome.fast_forward and outcome.followed == []
    assert len(sh(repo, "log", "-1", "--format=%P", "main").split()) == 2
    assert sh(repo, "log", "-1", "--format=%an", "main") == "Test User"
    assert sh(repo, "symbolic-ref", "--short", "HEAD") == "feature"
    assert "a - b" in (repo / "calc.py").read_text()  # feature's files: untouched


async def test_auto_merges_only_when_every_check_passed(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    project = await open_calc(repo, tmp_path / "data", merge="auto", checks=["test -f ok"])
    failing = (await open_worktree(project, 1, "no ok")).state
    (Path(failing.worktree) / "other.txt").write_text("x\n")
    done = await finish_attempt(project, failing, agent="a", model="p/m")
    assert not done.passed and done.merge is None and done.status == "needs_review"
    passing = (await open_worktree(project, 2, "ok")).state
    (Path(passing.worktree) / "ok").write_text("yes\n")
    done = await finish_attempt(project, passing, agent="a", model="p/m")
    assert done.merge is not None and done.merge.merged
    assert sh(repo, "show", "main:ok") == "yes"
    assert sh(repo, "ls-tree", "--name-only", "main", "other.txt") == ""
