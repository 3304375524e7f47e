"""Reviewing a coding task from the ledger: read it, accept (merge), reject, send back.

Each works from the task's newest workspace row (``workspaces``), the task's state and the
workspace layer (``workspace/merge.py`` merges in the object store: the user's checkout and
its uncommitted changes are never touched, nothing is forced). Ledger-only, like
``core/task_moves.py``: the control room (through :class:`~swarm_tui.core.control.Control`)
and ``swarm-tui review`` over SSH run the same code.

- accept: the branch merges into the base; the task ``succeeded``. When the base moved and
  the merge conflicts, nothing changes: the conflicted files are recorded and named, and
  send-back is suggested (the next attempt gets the base merged into its worktree, with the
  conflict markers to resolve).
- reject: the worktree and the branch are removed (its last commit is named so it can be
  restored); the task ``cancelled``.
- send back (with a note): the task is queued again; its next attempt works in the same
  worktree, on the same branch, and is told the note (and the conflict).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from swarm_tui.config import ConfigError, Settings
from swarm_tui.core.errors import ControlError
from swarm_tui.domain.models import TaskState
from swarm_tui.domain.workspaces import FileDiff, Review, ReviewOutcome, WorkspaceRow
from swarm_tui.store.ledger import Ledger
from swarm_tui.workspace.changes import diff_text, diffstat
from swarm_tui.workspace.cleanup import reject_task
from swarm_tui.workspace.git import GitError
from swarm_tui.workspace.merge import merge_task
from swarm_tui.workspace.project import Project, open_project
from swarm_tui.workspace.state import WorkspaceState
from swarm_tui.workspace.worktrees import WorkspaceError, branch_exists, find_state

__all__ = ["Reviews", "split_diff"]


def split_diff(text: str) -> dict[str, str]:
    """A unified diff of many files, by file (``diff --git a/X b/X`` starts each)."""
    out: dict[str, str] = {}
    current: str | None = None
    chunk: list[str] = []
    for line in text.splitlines(keepends=True):
        if line.startswith("diff --git "):
            if current is not None:
                out[current] = "".join(chunk)
            name = line.rstrip("\n").split(" b/", 1)
            current, chunk = (name[1] if len(name) == 2 else line), []
        chunk.append(line)
    if current is not None:
        out[current] = "".join(chunk)
    return out


class Reviews:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        data_dir: Path,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.data_dir = data_dir
        self.clock = clock

    async def _open(self, task_id: int) -> tuple[WorkspaceRow, Project, WorkspaceState]:
        row = await self.ledger.workspace_of(task_id)
        if row is None:
            raise ControlError(f"task #{task_id} has no workspace (it names no project)")
        try:
            project = await open_project(self.settings, row.project, self.data_dir)
        except ConfigError as exc:
            raise ControlError(str(exc)) from None
        state = find_state(project, task_id)
        if state is None:
            raise ControlError(
                f"task #{task_id}: no workspace state under {project.root} (was it collected?)"
            )
        return row, project, state

    async def _waiting(
        self, task_id: int, action: str
    ) -> tuple[WorkspaceRow, Project, WorkspaceState]:
        task = await self.ledger.get_task(task_id)
        if task is None:
            raise ControlError(f"no task #{task_id}")
        if task.state != TaskState.NEEDS_REVIEW:
            raise ControlError(
                f"task #{task_id} is {task.state.value}: only tasks in needs_review can be"
                f" {action} (swarm-tui review list shows them)"
            )
        return await self._open(task_id)

    async def review_of(self, task_id: int) -> Review | None:
        """The task's review (None: it has no workspace)."""
        task = await self.ledger.get_task(task_id)
        row = await self.ledger.workspace_of(task_id)
        if task is None or row is None:
            return None
        rounds = tuple(await self.ledger.workspace_rounds(task_id))
        runs = await self.ledger.check_runs(task_id)
        last = max(((r.attempt, r.round) for r in runs), default=None)
        checks = tuple(r for r in runs if (r.attempt, r.round) == last)
        summary = task.result or ""
        if not summary:
            attempts = await self.ledger.attempts(task_id)
            summary = attempts[-1].output if attempts else ""
        files: tuple[FileDiff, ...] = ()
        exists = False
        try:
            project, state = await self._project_state(row)
            exists = state is not None and await branch_exists(project.repo, state.branch)
            if state is not None and exists:
                by_file = split_diff(await diff_text(project, state))
                files = tuple(
                    FileDiff(f.path, f.added, f.removed, by_file.get(f.path, ""))
                    for f in await diffstat(project, state)
                )
        except (ConfigError, GitError, OSError):
            exists = False
        return Review(
            task_id, task.title, task.state.value, row, files, checks, rounds, summary, exists
        )

    async def _project_state(self, row: WorkspaceRow) -> tuple[Project, WorkspaceState | None]:
        project = await open_project(self.settings, row.project, self.data_dir)
        return project, find_state(project, row.task_id)

    async def accept(self, task_id: int) -> ReviewOutcome:
        """Merge the task's branch into the base; the task succeeds. A conflict changes
        nothing but the record (the files are named; send it back to resolve them)."""
        row, project, state = await self._waiting(task_id, "accepted")
        try:
            outcome = await merge_task(project, state)
        except (WorkspaceError, GitError) as exc:
            raise ControlError(f"task #{task_id}: {exc}") from None
        now = self.clock()
        if not outcome.merged:
            if outcome.conflicts:
                await self.ledger.set_workspace(
                    task_id, row.attempt, now, conflicts=outcome.conflicts, note=outcome.message
                )
            return ReviewOutcome(task_id, False, outcome.message, tuple(outcome.conflicts))
        await self.ledger.set_workspace(
            task_id,
            row.attempt,
            now,
            state="merged",
            merged=outcome.commit,
            note=outcome.message,
            conflicts=(),
        )
        await self.ledger.transition(
            task_id,
            TaskState.SUCCEEDED,
            {TaskState.NEEDS_REVIEW},
            now,
            event="accepted",
            data={"merged": outcome.commit},
        )
        return ReviewOutcome(task_id, True, outcome.message, commit=outcome.commit)

    async def reject(self, task_id: int, note: str = "") -> ReviewOutcome:
        """Remove the task's worktree and branch; the task is cancelled."""
        row, project, state = await self._waiting(task_id, "rejected")
        try:
            tip = await reject_task(project, state)
        except (WorkspaceError, GitError) as exc:
            raise ControlError(f"task #{task_id}: {exc}") from None
        now = self.clock()
        said = f"rejected; git branch {state.branch} {tip[:12]} restores it" if tip else "rejected"
        await self.ledger.set_workspace(task_id, row.attempt, now, state="rejected", note=said)
        error = f"rejected in review{': ' + note if note else ''}"
        await self.ledger.transition(
            task_id,
            TaskState.CANCELLED,
            {TaskState.NEEDS_REVIEW},
            now,
            event="rejected",
            fields={"error": error},
        )
        return ReviewOutcome(task_id, True, f"task #{task_id} {said}", commit=tip)

    async def send_back(self, task_id: int, note: str) -> ReviewOutcome:
        """Queue the task again: its next attempt works in the same worktree with the note
        (and the base merged in, when accepting met a conflict)."""
        row, _project, _state = await self._waiting(task_id, "sent back")
        now = self.clock()
        await self.ledger.set_workspace(task_id, row.attempt, now, feedback=note or "(no note)")
        moved = await self.ledger.transition(
            task_id,
            TaskState.QUEUED,
            {TaskState.NEEDS_REVIEW},
            now,
            event="sent_back",
            fields={"error": None, "not_before": 0.0},
            data={"note": note},
        )
        what = " with its conflict to resolve" if row.conflicts else ""
        return ReviewOutcome(task_id, moved, f"task #{task_id} sent back{what}", row.conflicts)
