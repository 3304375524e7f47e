"""Ending workspaces: reject (branch and worktree removed) and gc (worktrees of ended tasks).

``gc`` never deletes a branch that is neither merged nor rejected: a task that ended some
other way (failed, cancelled, per the ledger) loses its worktree folder but keeps its branch,
and a worktree with uncommitted changes is kept and named. Nothing is forced: worktrees go
with ``git worktree remove`` (which refuses a folder with changes) and branches by
compare-and-swap ``update-ref -d`` against the commit that was checked.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from swarm_tui.workspace.git import git, git_ok
from swarm_tui.workspace.project import Project
from swarm_tui.workspace.state import WorkspaceState, load_states, save_state, state_path
from swarm_tui.workspace.worktrees import WorkspaceError, branch_exists, is_folder

__all__ = ["GcReport", "collect_garbage", "reject_task"]


@dataclass(slots=True)
class GcReport:
    removed_worktrees: list[str] = field(default_factory=list)
    deleted_branches: list[str] = field(default_factory=list)
    forgotten: list[int] = field(default_factory=list)
    """Tasks whose workspace is entirely gone now (state file removed)."""
    kept: list[tuple[int, str]] = field(default_factory=list)
    """(task, why) for each workspace gc left in place."""


async def _tip(repo: Path, branch: str) -> str:
    found = await git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False)
    return found.out.strip() if found.code == 0 else ""


async def _dirty(worktree: Path) -> list[str]:
    status = await git(worktree, "status", "--porcelain", "--untracked-files=all")
    return [line[3:] for line in status.out.splitlines() if line.strip()]


async def reject_task(project: Project, state: WorkspaceState) -> str:
    """Remove the task's worktree (its uncommitted leftovers with it) and its branch; the
    branch's last commit is returned and kept in the state (``git branch NAME SHA``)."""
    if state.ended:
        raise WorkspaceError(f"task {state.task_id}'s workspace has ended ({state.status})")
    worktree = Path(state.worktree)
    if is_folder(worktree):
        if await _dirty(worktree):  # the reviewer threw the work away: leftovers too
            await git(worktree, "reset", "--quiet", "--hard", "HEAD")
            await git(worktree, "clean", "-fdq")
        await git(project.repo, "worktree", "remove", str(worktree))
    await git(project.repo, "worktree", "prune")
    tip = await _tip(project.repo, state.branch)
    if tip:
        await git(project.repo, "update-ref", "-d", f"refs/heads/{state.branch}", tip)
    state.status, state.rejected_tip = "rejected", tip
    state.note = f"rejected; git branch {state.branch} {tip[:12]} restores it" if tip else ""
    save_state(project.root, state)
    return tip


async def collect_garbage(project: Project, ended: Collection[int] = ()) -> GcReport:
    """Remove the worktrees of ended tasks (merged, rejected, or listed in ``ended``) and
    the branches that are merged into the base; keep everything else."""
    report = GcReport()
    states, _ = load_states(project.root)
    for state in states:
        if state.project != project.name:
            continue
        if not (state.ended or state.task_id in ended):
            report.kept.append((state.task_id, f"{state.status}: not ended"))
            continue
        await _collect_one(project, state, report)
    await git(project.repo, "worktree", "prune")
    return report


async def _collect_one(project: Project, state: WorkspaceState, report: GcReport) -> None:
    worktree = Path(state.worktree)
    if is_folder(worktree):
        dirty = await _dirty(worktree)
        if dirty:
            shown = ", ".join(dirty[:5]) + (" ..." if len(dirty) > 5 else "")
            report.kept.append((state.task_id, f"uncommitted changes in {worktree}: {shown}"))
            return
        await git(project.repo, "worktree", "remove", str(worktree))
        report.removed_worktrees.append(str(worktree))
    tip = await _tip(project.repo, state.branch)
    if tip:
        merged = await git_ok(
            project.repo, "merge-base", "--is-ancestor", tip, f"refs/heads/{state.base}"
        )
        if not merged:
            report.kept.append((state.task_id, f"branch {state.branch} is not merged"))
            return
        await git(project.repo, "update-ref", "-d", f"refs/heads/{state.branch}", tip)
        report.deleted_branches.append(state.branch)
    if state.ended and not await branch_exists(project.repo, state.branch):
        state_path(project.root, state.name).unlink(missing_ok=True)
        report.forgotten.append(state.task_id)
