"""A worktree per task in a real repository: made outside it, set up once, committed by
the agent and model, checked by the project's own failing test, reused after a crash.

No ledger: git and files alone (the ledger's worktree rows are tested on both
backends in test_swarm_review.py and test_swarm_crash.py)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from swarm_tui.workspace.changes import commit_changes, diff_text, diffstat
from swarm_tui.workspace.checks import run_checks
from swarm_tui.workspace.finish import finish_attempt
from swarm_tui.workspace.worktrees import WorkspaceError, find_state, open_worktree
from tests.workspace.gitrepo import CALC_FIXED, PYTEST, make_repo, open_calc, sh

SETUP = "mkdir -p .venv && echo ran >> .venv/setup-runs"


async def test_a_new_worktree_on_its_own_branch_outside_the_repository(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    project = await open_calc(repo, tmp_path / "data", setup=SETUP)
    opened = await open_worktree(project, 7, "Fix add() in calc")
    state = opened.state
    worktree = Path(state.worktree)
    assert state.branch == "swarm/7-fix-add-in-calc"
    assert worktree == tmp_path / "data" / "worktrees" / "calc" / "7-fix-add-in-calc"
    assert sh(worktree, "symbolic-ref", "--short", "HEAD") == "swarm/7-fix-add-in-calc"
    assert opened.setup is not None and opened.setup.passed and opened.ready
    assert (worktree / ".venv" / "setup-runs").read_text() == "ran\n"
    state_file = project.root / "7-fix-add-in-calc.json"
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    assert sh(repo, "status", "--porcelain") == ""  # the user's checkout saw nothing


async def test_commit_by_agent_and_model_and_no_empty_commit(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    project = await open_calc(repo, tmp_path / "data")
    state = (await open_worktree(project, 7, "Fix add")).state
    worktree = Path(state.worktree)
    assert await commit_changes(project, state, agent="backend", model="local/smollm2") is None
    assert sh(worktree, "rev-list", "--count", "main..HEAD") == "0"
    (worktree / "calc.py").write_text(CALC_FIXED)
    (worktree / "notes.md").write_text("new file\n")
    sha = await commit_changes(project, state, agent="backend", model="local/smollm2")
    assert sha == sh(repo, "rev-parse", "refs/heads/swarm/7-fix-add")
    assert sh(repo, "log", "-1", "--format=%an <%ae>", sha) == (
        "backend (local/smollm2) <backend@swarm-tui.invalid>"
    )
    message = sh(repo, "log", "-1", "--format=%B", sha)
    assert message.splitlines()[0] == "Fix add (task 7)"
    assert "Swarm-Task: 7" in message and "Swarm-Model: local/smollm2" in message
    changes = {c.path: (c.added, c.removed) for c in await diffstat(project, state)}
    assert changes == {"calc.py": (1, 1), "notes.md": (1, 0)}
    assert "+    return a + b" in await diff_text(project, state, "calc.py")


async def test_checks_fail_then_pass_with_output_exit_and_duration(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    project = await open_calc(repo, tmp_path / "data", checks=[PYTEST, "true"])
    state = (await open_worktree(project, 3, "Fix add")).state
    first = await run_checks(project, state)
    assert [r.exit_code for r in first] == [1, 0]
    assert "1 failed, 1 passed" in first[0].output and first[0].duration_s > 0
    (Path(state.worktree) / "calc.py").write_text(CALC_FIXED)
    done = await finish_attempt(project, state, agent="backend", model="local/smollm2")
    assert done.passed and done.status == "needs_review" and done.merge is None
    assert "2 passed" in done.checks[0].output
    saved = find_state(project, 3)
    assert saved is not None and saved.rounds == 2
    assert [(c.round, c.exit_code) for c in saved.checks] == [(1, 1), (1, 0), (2, 0), (2, 0)]


async def test_an_attempt_that_changed_nothing_stays_open(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    project = await open_calc(repo, tmp_path / "data", checks=[PYTEST])
    state = (await open_worktree(project, 4, "Nothing")).state
    done = await finish_attempt(project, state, agent="a", model="p/m")
    assert done.commit is None and done.checks == [] and done.status == "open"


async def test_qa_starts_from_the_backend_task_branch(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    project = await open_calc(repo, tmp_path / "data")
    backend = (await open_worktree(project, 1, "Fix add")).state
    (Path(backend.worktree) / "calc.py").write_text(CALC_FIXED)
    sha = await commit_changes(project, backend, agent="backend", model="p/m")
    qa = (await open_worktree(project, 2, "Test add", from_task=1)).state
    assert qa.start_point == "swarm/1-fix-add" and qa.start_commit == sha
    assert (Path(qa.worktree) / "calc.py").read_text() == CALC_FIXED
    with pytest.raises(WorkspaceError, match="task 9 has no branch"):
        await open_worktree(project, 5, "Orphan", from_task=9)


async def test_an_abandoned_attempt_is_reset_and_reused_setup_not_rerun(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    project = await open_calc(repo, tmp_path / "data", setup=SETUP)
    state = (await open_worktree(project, 8, "Fix add")).state
    worktree = Path(state.worktree)
    (worktree / "calc.py").write_text(CALC_FIXED)
    kept = await commit_changes(project, state, agent="a", model="p/m")
    (worktree / "README.md").write_text("half an edit\n")  # then the process died
    (worktree / "scratch.txt").write_text("leftover\n")
    again = await open_worktree(project, 8, "Fix add")
    assert again.reused and again.setup is None
    assert sorted(again.discarded) == ["README.md", "scratch.txt"]
    assert sh(worktree, "rev-parse", "HEAD") == kept
    assert sh(worktree, "status", "--porcelain") == ""
    assert (worktree / ".venv" / "setup-runs").read_text() == "ran\n"  # setup ran once


async def test_a_worktree_folder_lost_is_made_again_on_the_same_branch(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    project = await open_calc(repo, tmp_path / "data", setup=SETUP)
    state = (await open_worktree(project, 8, "Fix add")).state
    (Path(state.worktree) / "calc.py").write_text(CALC_FIXED)
    kept = await commit_changes(project, state, agent="a", model="p/m")
    sh(repo, "worktree", "remove", "--force", state.worktree)  # deleted by hand
    again = await open_worktree(project, 8, "Fix add")
    assert again.reused and again.setup is not None and again.setup.passed
    assert sh(Path(state.worktree), "rev-parse", "HEAD") == kept


async def test_a_branch_the_swarm_did_not_make_is_not_taken(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    sh(repo, "branch", "swarm/5-mine")
    project = await open_calc(repo, tmp_path / "data")
    with pytest.raises(WorkspaceError, match="not the swarm's to take"):
        await open_worktree(project, 5, "Mine")
