"""An attempt's changes: committed on the task's branch, counted, shown as a diff.

The commit's author is the agent and its model (``backend (dashscope/qwen3-coder-plus)``);
its message is the task's title and id, with ``Swarm-Task``, ``Swarm-Agent`` and
``Swarm-Model`` trailers. Nothing changed, nothing committed: there are no empty commits.
Hooks do not run on these commits (``--no-verify``): the project's checks are the judge,
and a hook could wait for a terminal no one watches.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from swarm_tui.workspace.git import git, git_ok
from swarm_tui.workspace.project import Project
from swarm_tui.workspace.state import WorkspaceState, save_state

__all__ = [
    "FileChange",
    "commit_changes",
    "diff_text",
    "diffstat",
    "identity_env",
    "merging",
]


@dataclass(frozen=True, slots=True)
class FileChange:
    path: str
    added: int | None
    """None for a binary file."""
    removed: int | None


def identity_env(name: str, email: str) -> dict[str, str]:
    """Author and committer for a git command, whatever the user's git config says."""
    clean = "".join(c for c in name if c not in "<>\n") or "swarm-tui"
    return {
        "GIT_AUTHOR_NAME": clean,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": clean,
        "GIT_COMMITTER_EMAIL": email,
    }


def _email(agent: str) -> str:
    local = "".join(c if c.isalnum() or c in "._-" else "-" for c in agent) or "agent"
    return f"{local}@swarm-tui.invalid"


async def commit_changes(
    project: Project, state: WorkspaceState, *, agent: str, model: str
) -> str | None:
    """Commit everything the attempt changed in its worktree; the commit id, or None when
    nothing changed."""
    worktree = Path(state.worktree)
    await git(worktree, "add", "--all")
    concluding = await merging(worktree)  # a merge of the base the attempt resolved
    if not concluding and await git_ok(worktree, "diff", "--cached", "--quiet"):
        return None
    title = state.title.strip().splitlines()[0] if state.title.strip() else "work"
    message = (
        f"{title} (task {state.task_id})\n\n"
        f"Swarm-Task: {state.task_id}\nSwarm-Agent: {agent}\nSwarm-Model: {model}\n"
    )
    env = identity_env(f"{agent} ({model})", _email(agent))
    await git(worktree, "commit", "--quiet", "--no-verify", "-F", "-", stdin=message, env=env)
    sha = (await git(worktree, "rev-parse", "HEAD")).out.strip()
    state.commits.append(sha)
    save_state(project.root, state)
    return sha


async def merging(worktree: Path) -> bool:
    """A merge is under way in ``worktree`` (``MERGE_HEAD``): its commit concludes it, even
    when the resolution left the files as they were on the branch."""
    return await git_ok(worktree, "rev-parse", "--quiet", "--verify", "MERGE_HEAD")


async def _merge_base(project: Project, state: WorkspaceState) -> str:
    found = await git(
        project.repo,
        "merge-base",
        f"refs/heads/{state.base}",
        f"refs/heads/{state.branch}",
        check=False,
    )
    return found.out.strip() if found.code == 0 else state.start_commit


async def diffstat(project: Project, state: WorkspaceState) -> list[FileChange]:
    """Files the task's branch changes against the base (since they parted), with counts."""
    since = await _merge_base(project, state)
    out = await git(
        project.repo,
        "diff",
        "--numstat",
        "-z",
        "--no-renames",
        since,
        f"refs/heads/{state.branch}",
    )
    changes: list[FileChange] = []
    for entry in out.out.split("\0"):
        if not entry:
            continue
        added, removed, path = entry.split("\t", 2)
        changes.append(
            FileChange(
                path,
                None if added == "-" else int(added),
                None if removed == "-" else int(removed),
            )
        )
    return changes


async def diff_text(project: Project, state: WorkspaceState, path: str | None = None) -> str:
    """The unified diff of the task's branch against the base (one file when ``path``)."""
    since = await _merge_base(project, state)
    args = ["diff", "--no-color", "--no-ext-diff", since, f"refs/heads/{state.branch}"]
    if path is not None:
        args += ["--", path]
    return (await git(project.repo, *args)).out
