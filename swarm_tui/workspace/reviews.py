"""The workspace layer as a :class:`~swarm_tui.domain.review.ReviewSource`: a task's review
read from git and its workspace state file, decisions made with ``merge_task`` and
``reject_task``.

What the workspace layer cannot do by itself is start the task's next attempt: a send-back
records the note on the workspace (status ``open`` again, the worktree kept) and calls
``on_send_back`` when one is given (the orchestrator's retry). ``summary`` gives the agent's
final answer for a task (from the ledger), when one is given.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from swarm_tui.config import ConfigError, Settings
from swarm_tui.domain.review import Review, ReviewCheck, ReviewFile, ReviewOutcome
from swarm_tui.workspace.changes import diff_text, diffstat
from swarm_tui.workspace.cleanup import reject_task
from swarm_tui.workspace.git import GitError
from swarm_tui.workspace.merge import merge_task
from swarm_tui.workspace.project import Project, open_project
from swarm_tui.workspace.state import WorkspaceState, load_states, save_state
from swarm_tui.workspace.worktrees import WorkspaceError, branch_exists

__all__ = ["WorkspaceReviews", "split_diff"]

Summary = Callable[[int], Awaitable[str]]
SendBack = Callable[[int, str], Awaitable[None]]


def _header_path(header: str) -> str:
    """The path of ``diff --git a/P b/P`` (the same P twice: renames are off), even when P
    holds spaces or `` b/``."""
    rest = header.removeprefix("diff --git a/")
    half = (len(rest) - 3) // 2
    if rest[half : half + 3] == " b/" and rest[:half] == rest[half + 3 :]:
        return rest[:half]
    return rest.rsplit(" b/", 1)[-1]


def split_diff(text: str) -> dict[str, str]:
    """A whole ``git diff`` cut into each file's part, by the ``b/`` path of its header."""
    parts: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    for line in text.splitlines(keepends=True):
        if line.startswith("diff --git "):
            if current is not None:
                parts[current] = "".join(lines)
            current = _header_path(line.rstrip("\n"))
            lines = []
        lines.append(line)
    if current is not None:
        parts[current] = "".join(lines)
    return parts


class WorkspaceReviews:
    """Reviews of the coding tasks of every project in ``settings``."""

    def __init__(
        self,
        settings: Settings,
        data_dir: Path,
        *,
        summary: Summary | None = None,
        on_send_back: SendBack | None = None,
    ) -> None:
        self.settings = settings
        self.data_dir = data_dir
        self.summary = summary
        self.on_send_back = on_send_back

    async def _find(self, task_id: int) -> tuple[Project, WorkspaceState] | None:
        for name in self.settings.projects:
            try:
                project = await open_project(self.settings, name, self.data_dir)
            except ConfigError:
                continue  # a project that cannot be opened has no reviews to show
            states, _ = load_states(project.root)
            for state in states:
                if state.task_id == task_id and state.project == name:
                    return project, state
        return None

    async def review_of(self, task_id: int) -> Review | None:
        found = await self._find(task_id)
        if found is None:
            return None
        project, state = found
        files: tuple[ReviewFile, ...] = ()
        if await branch_exists(project.repo, state.branch):
            diffs = split_diff(await diff_text(project, state))
            files = tuple(
                ReviewFile(c.path, c.added, c.removed, diffs.get(c.path, ""))
                for c in await diffstat(project, state)
            )
        checks = tuple(
            ReviewCheck(c.name, c.command, c.exit_code, c.duration_s, c.output, c.timed_out)
            for c in state.last_checks()
        )
        summary = await self.summary(task_id) if self.summary is not None else ""
        return Review(
            task_id=task_id,
            title=state.title,
            project=project.name,
            branch=state.branch,
            base=state.base,
            state=state.status,
            files=files,
            checks=checks,
            rounds=state.rounds,
            summary=summary,
            note=state.note,
        )

    async def _open(self, task_id: int) -> tuple[Project, WorkspaceState] | ReviewOutcome:
        found = await self._find(task_id)
        if found is None:
            return ReviewOutcome(False, f"task {task_id} has no workspace")
        return found

    async def review_accept(self, task_id: int) -> ReviewOutcome:
        found = await self._open(task_id)
        if isinstance(found, ReviewOutcome):
            return found
        try:
            merged = await merge_task(*found)
        except (WorkspaceError, GitError) as exc:
            return ReviewOutcome(False, str(exc))
        return ReviewOutcome(merged.merged, merged.message, tuple(merged.conflicts))

    async def review_reject(self, task_id: int) -> ReviewOutcome:
        found = await self._open(task_id)
        if isinstance(found, ReviewOutcome):
            return found
        project, state = found
        try:
            tip = await reject_task(project, state)
        except (WorkspaceError, GitError) as exc:
            return ReviewOutcome(False, str(exc))
        restore = f" (git branch {state.branch} {tip[:12]} restores it)" if tip else ""
        return ReviewOutcome(True, f"rejected: worktree and branch removed{restore}")

    async def review_send_back(self, task_id: int, note: str) -> ReviewOutcome:
        found = await self._open(task_id)
        if isinstance(found, ReviewOutcome):
            return found
        project, state = found
        if state.ended:
            return ReviewOutcome(False, f"task {task_id}'s workspace has ended ({state.status})")
        state.status = "open"
        state.note = f"sent back: {note.strip()}" if note.strip() else "sent back"
        save_state(project.root, state)
        if self.on_send_back is not None:
            await self.on_send_back(task_id, note)
        return ReviewOutcome(True, f"task {task_id} sent back to work in {state.worktree}")
