"""The workspace layer's review data for the diff screen: each file's own diff (paths with
spaces too), the checks of the latest round, nothing for a task without a workspace.

No ledger: the workspace layer over git and its state files (a review read from the
ledger runs on both backends in test_swarm_review.py)."""

from __future__ import annotations

from pathlib import Path

from swarm_tui.workspace.finish import finish_attempt
from swarm_tui.workspace.reviews import WorkspaceReviews, split_diff
from swarm_tui.workspace.worktrees import open_worktree
from tests.workspace.gitrepo import CALC_FIXED, PYTEST, make_repo, open_calc, project_settings


async def test_a_review_has_each_files_diff_and_the_checks(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    project = await open_calc(repo, tmp_path, checks=[PYTEST])
    opened = await open_worktree(project, 4, "fix add")
    worktree = Path(opened.state.worktree)
    (worktree / "calc.py").write_text(CALC_FIXED)
    (worktree / "a b").mkdir()
    (worktree / "a b" / "c d.txt").write_text("one\ntwo\n")
    await finish_attempt(project, opened.state, agent="coder", model="p/m")

    async def summary(task_id: int) -> str:
        return f"fixed add in task {task_id}"

    reviews = WorkspaceReviews(project_settings(repo, checks=[PYTEST]), tmp_path, summary=summary)
    review = await reviews.review_of(4)
    assert review is not None
    assert [(f.path, f.counts) for f in review.files] == [
        ("a b/c d.txt", "+2 -0"),
        ("calc.py", "+1 -1"),
    ]
    spaced, calc = review.files
    assert (
        spaced.diff.startswith("diff --git a/a b/c d.txt b/a b/c d.txt") and "+two" in spaced.diff
    )
    assert "-    return a - b" in calc.diff and "c d.txt" not in calc.diff
    assert review.checks_verdict == "1/1 passed" and review.rounds == 1
    assert "2 passed" in review.checks[0].output
    assert review.summary == "fixed add in task 4" and review.state == "needs_review"
    assert await reviews.review_of(5) is None
    outcome = await reviews.review_accept(5)
    assert not outcome.done and "task 5 has no workspace" in outcome.message


def test_split_diff_cuts_at_each_file() -> None:
    text = (
        "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-1\n+2\n"
        "diff --git a/p b/q b/p b/q\n--- a/p b/q\n+++ b/p b/q\n@@ -0,0 +1 @@\n+new\n"
    )
    parts = split_diff(text)
    assert list(parts) == ["x", "p b/q"]
    assert parts["p b/q"].endswith("+new\n") and "+new" not in parts["x"]
