"""What the ledger records of a coding task's workspace, and a review as views read it.

A task with a project works, attempt by attempt, in a git worktree of that project on its own
branch (see :mod:`swarm_tui.workspace`). These plain records are the ledger's side of it:
one :class:`WorkspaceRow` per attempt, one :class:`RoundRecord` per commit-and-check round
(fix rounds included), one :class:`CheckRun` per check of a round; :class:`Review` gathers
them with the diff for ``swarm-tui review`` and the room's review screen.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "OPEN_STATES",
    "CheckRun",
    "FileDiff",
    "Review",
    "ReviewOutcome",
    "RoundRecord",
    "WorkspaceRow",
]

OPEN_STATES = ("opening", "open", "needs_review")
"""Workspace states of an attempt whose worktree is still the task's work in progress."""


@dataclass(frozen=True, slots=True)
class WorkspaceRow:
    task_id: int
    attempt: int
    """The attempt's number (1, 2, ...) within its task."""
    project: str
    path: str
    """The worktree's folder."""
    branch: str
    base: str
    start_point: str
    """The branch the worktree started from: the base, or the branch of a task it depends on."""
    state: str
    """``opening``, ``open``, ``needs_review``, ``merged``, ``rejected``, ``sent_back``,
    ``empty`` (nothing changed) or ``failed`` (the worktree could not be made or set up)."""
    note: str = ""
    feedback: str = ""
    """The reviewer's note when the task was sent back (the next attempt is given it)."""
    conflicts: tuple[str, ...] = ()
    """Files that conflicted with the base when accepting was tried."""
    merged: str = ""
    """The base's commit after the merge."""
    created_at: float = 0.0
    updated_at: float = 0.0


@dataclass(frozen=True, slots=True)
class RoundRecord:
    task_id: int
    attempt: int
    round: int
    commit: str
    """The round's commit on the branch ('' when the round changed nothing)."""
    files: int
    added: int
    removed: int
    diffstat: tuple[tuple[str, int | None, int | None], ...]
    """(path, lines added, lines removed) against the base; None counts for binary files."""
    passed: bool | None
    """Every check passed (None: no checks configured)."""
    ts: float


@dataclass(frozen=True, slots=True)
class CheckRun:
    task_id: int
    attempt: int
    round: int
    name: str
    command: str
    exit_code: int | None
    """None when the check was killed at its timeout."""
    timed_out: bool
    duration_s: float
    output: str
    """The end of its output (stdout and stderr together)."""
    ts: float

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    def verdict(self) -> str:
        if self.timed_out:
            return f"timed out after {self.duration_s:.0f}s"
        return "passed" if self.passed else f"failed (exit {self.exit_code})"


@dataclass(frozen=True, slots=True)
class FileDiff:
    path: str
    added: int | None
    removed: int | None
    diff: str
    """This file's unified diff against the base."""


@dataclass(frozen=True, slots=True)
class Review:
    """A coding task's review: the branch's changes, the checks, the agent's summary."""

    task_id: int
    title: str
    task_state: str
    workspace: WorkspaceRow
    files: tuple[FileDiff, ...]
    checks: tuple[CheckRun, ...]
    """The checks of the latest round."""
    rounds: tuple[RoundRecord, ...]
    summary: str
    """What the agent said (the task's result, else its latest attempt's output)."""
    branch_exists: bool = True

    @property
    def passed(self) -> bool | None:
        """Every check of the latest round passed (None: none ran)."""
        return all(c.passed for c in self.checks) if self.checks else None

    @property
    def diff(self) -> str:
        return "".join(f.diff for f in self.files)


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """What accept, reject or send-back did."""

    task_id: int
    done: bool
    message: str
    conflicts: tuple[str, ...] = ()
    commit: str = ""
