"""Merging a task's branch into the base without touching the user's own work.

The merge is made with plumbing in the object store (``merge-tree --write-tree``,
``commit-tree``); nothing is checked out, nothing forced. The base branch then moves by a
compare-and-swap ``update-ref`` (it fails, and nothing changes, when the base moved
meanwhile). Conflicts are reported with the conflicted files and change nothing.

When the base branch is checked out somewhere (your own checkout, usually: the base
defaults to its current branch), that checkout follows the branch as ``git merge
--ff-only`` would follow it: ``read-tree -m -u OLD NEW`` brings in the files the merge
changed and keeps every uncommitted change. If a file the merge changes has uncommitted
changes there (or an untracked file would be overwritten), git refuses, the base is not
moved, and the message names the files: your work is never overwritten. Without this
step the branch would move under the checkout and ``git status`` there would show the
merge as staged to be undone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from swarm_tui.workspace.changes import identity_env
from swarm_tui.workspace.git import GitError, git, git_ok
from swarm_tui.workspace.project import Project
from swarm_tui.workspace.state import WorkspaceState, save_state
from swarm_tui.workspace.worktrees import WorkspaceError

__all__ = ["MergeOutcome", "merge_task"]


@dataclass(frozen=True, slots=True)
class MergeOutcome:
    merged: bool
    commit: str = ""
    fast_forward: bool = False
    conflicts: list[str] = field(default_factory=list)
    message: str = ""
    followed: list[str] = field(default_factory=list)
    """Checkouts of the base branch that were brought along (their folders)."""


async def _rev(repo: Path, ref: str) -> str:
    return (await git(repo, "rev-parse", "--verify", f"{ref}^{{commit}}")).out.strip()


async def _merger_env(repo: Path) -> dict[str, str]:
    """The user's own git identity for the merge commit, else ``swarm-tui``."""
    name = await git(repo, "config", "user.name", check=False)
    email = await git(repo, "config", "user.email", check=False)
    if name.code == 0 and email.code == 0 and name.out.strip() and email.out.strip():
        return {}
    return identity_env("swarm-tui", "swarm-tui@swarm-tui.invalid")


async def _checkouts_of(repo: Path, branch: str) -> list[Path]:
    listing = await git(repo, "worktree", "list", "--porcelain")
    found: list[Path] = []
    current: Path | None = None
    for line in listing.out.splitlines():
        if line.startswith("worktree "):
            current = Path(line.removeprefix("worktree "))
        elif line == f"branch refs/heads/{branch}" and current is not None:
            found.append(current)
    return found


async def _new_commit(project: Project, state: WorkspaceState, old: str, tip: str) -> MergeOutcome:
    """The commit the base should move to, or the conflicts that prevent it."""
    if project.config.merge_style == "fast-forward" and await git_ok(
        project.repo, "merge-base", "--is-ancestor", old, tip
    ):
        return MergeOutcome(merged=False, commit=tip, fast_forward=True)
    tree = await git(
        project.repo,
        "merge-tree",
        "--write-tree",
        "-z",
        "--name-only",
        "--no-messages",
        old,
        tip,
        check=False,
    )
    fields = tree.out.split("\0")
    if tree.code == 1:
        conflicts = sorted({f for f in fields[1:] if f})
        message = (
            f"task {state.task_id} conflicts with {state.base} in {len(conflicts)} file(s):"
            f" {', '.join(conflicts)}; send it back to be redone on the current base"
        )
        return MergeOutcome(merged=False, conflicts=conflicts, message=message)
    if tree.code != 0:
        raise GitError(("merge-tree",), project.repo, tree.code, tree.err)
    message = f"Merge task {state.task_id}: {state.title}\n\nBranch {state.branch}.\n"
    made = await git(
        project.repo,
        "commit-tree",
        fields[0],
        "-p",
        old,
        "-p",
        tip,
        "-F",
        "-",
        stdin=message,
        env=await _merger_env(project.repo),
    )
    return MergeOutcome(merged=False, commit=made.out.strip())


async def merge_task(project: Project, state: WorkspaceState) -> MergeOutcome:
    """Merge the task's branch into the base; the base moves only if nothing is in the way."""
    if state.ended:
        raise WorkspaceError(f"task {state.task_id}'s workspace has ended ({state.status})")
    repo, base_ref = project.repo, f"refs/heads/{state.base}"
    old = await _rev(repo, base_ref)
    tip = await _rev(repo, f"refs/heads/{state.branch}")
    if await git_ok(repo, "merge-base", "--is-ancestor", tip, old):
        return MergeOutcome(merged=False, message=f"nothing to merge: {state.base} has it all")
    planned = await _new_commit(project, state, old, tip)
    if not planned.commit:
        state.note = planned.message
        save_state(project.root, state)
        return planned
    new = planned.commit
    followed: list[Path] = []
    for checkout in await _checkouts_of(repo, state.base):
        moved = await git(checkout, "read-tree", "-m", "-u", old, new, check=False)
        if moved.code != 0:
            await _undo(followed, old, new)
            said = "; ".join(moved.err.strip().splitlines()[:6])
            message = (
                f"not merged: {state.base} is checked out in {checkout} and the merge would"
                f" overwrite uncommitted work there ({said}); commit or move those changes"
                " there, then accept again"
            )
            return MergeOutcome(merged=False, message=message)
        followed.append(checkout)
    reason = f"swarm-tui: merge task {state.task_id} ({state.branch})"
    swapped = await git(repo, "update-ref", "-m", reason, base_ref, new, old, check=False)
    if swapped.code != 0:
        await _undo(followed, old, new)
        message = f"not merged: {state.base} moved while merging; accept again"
        return MergeOutcome(merged=False, message=message)
    state.status, state.merged_commit, state.note = "merged", new, f"merged {time.ctime()}"
    save_state(project.root, state)
    return MergeOutcome(
        merged=True,
        commit=new,
        fast_forward=planned.fast_forward,
        followed=[str(p) for p in followed],
        message=f"merged into {state.base} at {new[:12]}",
    )


async def _undo(followed: list[Path], old: str, new: str) -> None:
    for checkout in followed:
        await git(checkout, "read-tree", "-m", "-u", new, old, check=False)
