"""A worktree per task: made on ``swarm/<task>-<slug>`` from the base or another task's
branch, set up once, found again after a crash.

An abandoned attempt's worktree (the orchestrator died, the lease expired) is REUSED by the
task's next attempt and RESET first: the branch's commits stay (they are the task's work so
far), the dead attempt's uncommitted leftovers are discarded (``reset --hard`` and ``clean
-fd`` in that worktree only; ignored files such as ``.venv`` stay, so setup is not needed
again). A worktree belongs to one task (its id is in the folder, branch and state file);
another task never gets it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from swarm_tui.workspace.commands import CommandResult, run_command
from swarm_tui.workspace.git import git, git_ok
from swarm_tui.workspace.project import Project
from swarm_tui.workspace.state import WorkspaceState, load_states, save_state

__all__ = [
    "Opened",
    "WorkspaceError",
    "branch_exists",
    "find_state",
    "is_folder",
    "open_worktree",
    "slug",
]


class WorkspaceError(Exception):
    """A workspace request that cannot be done; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Opened:
    state: WorkspaceState
    reused: bool
    setup: CommandResult | None = None
    """The setup command's run, when it ran now."""
    discarded: list[str] = field(default_factory=list)
    """Uncommitted leftovers of an abandoned attempt that the reset removed."""

    @property
    def ready(self) -> bool:
        """True when an agent can start: setup ran (or there is none) and passed."""
        return self.state.setup_done


def slug(title: str) -> str:
    """``Add /api/health endpoint`` -> ``add-api-health-endpoint`` (40 characters at most)."""
    text = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40].strip("-")
    return text or "task"


def find_state(project: Project, task_id: int) -> WorkspaceState | None:
    states, _ = load_states(project.root)
    return next((s for s in states if s.task_id == task_id and s.project == project.name), None)


async def branch_exists(repo: Path, branch: str) -> bool:
    return await git_ok(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}")


async def open_worktree(
    project: Project,
    task_id: int,
    title: str,
    *,
    from_task: int | None = None,
    clock: Callable[[], float] = time.time,
) -> Opened:
    """The task's worktree: made (and set up) when new, reset and reused when abandoned."""
    existing = find_state(project, task_id)
    if existing is not None:
        return await _reuse(project, existing)
    start = project.base
    if from_task is not None:
        parent = find_state(project, from_task)
        if parent is None or not await branch_exists(project.repo, parent.branch):
            raise WorkspaceError(
                f"task {task_id} starts from task {from_task}'s branch, but task {from_task}"
                f" has no branch in project {project.name!r}"
            )
        start = parent.branch
    name = f"{task_id}-{slug(title)}"
    branch = f"swarm/{name}"
    worktree = project.root / name
    if await branch_exists(project.repo, branch):
        raise WorkspaceError(
            f"branch {branch} already exists in {project.repo} and no workspace state names it;"
            " it is not the swarm's to take (rename or delete it by hand)"
        )
    if worktree.exists():
        raise WorkspaceError(f"{worktree} already exists and no workspace state names it")
    commit = (await git(project.repo, "rev-parse", f"refs/heads/{start}^{{commit}}")).out.strip()
    state = WorkspaceState(
        task_id=task_id,
        project=project.name,
        branch=branch,
        worktree=str(worktree),
        base=project.base,
        start_point=start,
        start_commit=commit,
        created_at=clock(),
        title=title,
    )
    save_state(project.root, state)  # first: a crash after it is found and finished later
    await git(project.repo, "worktree", "add", "--quiet", "-b", branch, str(worktree), commit)
    return Opened(state, reused=False, setup=await _setup(project, state))


async def _reuse(project: Project, state: WorkspaceState) -> Opened:
    if state.ended:
        raise WorkspaceError(
            f"task {state.task_id}'s workspace has ended ({state.status}); it is not reopened"
        )
    worktree = Path(state.worktree)
    has_branch = await branch_exists(project.repo, state.branch)
    if not has_branch and state.commits:
        raise WorkspaceError(
            f"branch {state.branch} of task {state.task_id} is gone, with its"
            f" {len(state.commits)} commit(s); restore it with git branch {state.branch}"
            f" {state.commits[-1]}"
        )
    if not has_branch:  # killed between the state file and the worktree: start again
        await git(project.repo, "worktree", "prune")
        await git(
            project.repo,
            "worktree",
            "add",
            "--quiet",
            "-b",
            state.branch,
            str(worktree),
            state.start_commit,
        )
        state.setup_done = False
        return Opened(state, reused=False, setup=await _setup(project, state))
    if not await _is_worktree_on(worktree, state.branch):
        await git(project.repo, "worktree", "prune")
        await git(project.repo, "worktree", "add", "--quiet", str(worktree), state.branch)
        state.setup_done = False
        return Opened(state, reused=True, setup=await _setup(project, state))
    leftovers = await git(worktree, "status", "--porcelain", "--untracked-files=all")
    discarded = [line[3:] for line in leftovers.out.splitlines() if line.strip()]
    if discarded:
        await git(worktree, "reset", "--quiet", "--hard", "HEAD")
        await git(worktree, "clean", "-fdq")
    state.status = "open"
    save_state(project.root, state)
    setup = None if state.setup_done else await _setup(project, state)
    return Opened(state, reused=True, setup=setup, discarded=discarded)


def is_folder(path: Path) -> bool:
    """A stat, cheap enough for the event loop."""
    return path.is_dir()


def same_folder(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


async def _is_worktree_on(worktree: Path, branch: str) -> bool:
    if not is_folder(worktree):
        return False
    top = await git(worktree, "rev-parse", "--show-toplevel", check=False)
    if top.code != 0 or not same_folder(Path(top.out.strip()), worktree):
        return False
    head = await git(worktree, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    return head.out.strip() == branch


async def _setup(project: Project, state: WorkspaceState) -> CommandResult | None:
    """Run the project's setup command once in a new worktree (again only if it failed)."""
    command = project.config.setup
    result = None
    if command:
        result = await run_command(
            "setup", command, Path(state.worktree), project.config.setup_timeout_s
        )
    state.setup_done = result is None or result.passed
    state.note = "" if state.setup_done else f"setup {result.verdict() if result else ''}"
    save_state(project.root, state)
    return result
