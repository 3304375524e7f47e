"""The end of an attempt in a workspace: commit, check, then wait for review or merge.

Under ``merge = "review"`` a committed, checked task waits as ``needs_review`` whatever the
verdict (the review shows it); under ``merge = "auto"`` it merges by itself when every check
passed, and waits for review otherwise (or when the merge met a conflict). An attempt that
changed nothing, on a branch with no work of its own, stays ``open``: nothing to review.
"""

from __future__ import annotations

from dataclasses import dataclass

from swarm_tui.workspace.changes import commit_changes
from swarm_tui.workspace.checks import run_checks
from swarm_tui.workspace.commands import CommandResult
from swarm_tui.workspace.git import git_ok
from swarm_tui.workspace.merge import MergeOutcome, merge_task
from swarm_tui.workspace.project import Project
from swarm_tui.workspace.state import WorkspaceState, save_state

__all__ = ["Finished", "finish_attempt"]


@dataclass(frozen=True, slots=True)
class Finished:
    commit: str | None
    """The attempt's commit; None when it changed nothing."""
    checks: list[CommandResult]
    status: str
    merge: MergeOutcome | None = None

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)


async def finish_attempt(
    project: Project, state: WorkspaceState, *, agent: str, model: str
) -> Finished:
    """Commit the attempt's changes, run the checks, and settle the workspace's status."""
    commit = await commit_changes(project, state, agent=agent, model=model)
    at_start = await git_ok(
        project.repo,
        "merge-base",
        "--is-ancestor",
        f"refs/heads/{state.branch}",
        state.start_commit,
    )
    if commit is None and at_start:  # still at its start: no work at all
        state.note = "the attempt changed nothing"
        save_state(project.root, state)
        return Finished(None, [], state.status)
    results = await run_checks(project, state)
    state.status = "needs_review"
    save_state(project.root, state)
    merged: MergeOutcome | None = None
    if project.config.merge == "auto" and all(r.passed for r in results):
        merged = await merge_task(project, state)
    return Finished(commit, results, state.status, merged)
