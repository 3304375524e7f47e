"""A coding task's review as plain data: what changed, what the checks said, what the agent
said, and what a decision on it did.

The room's diff screen is written against :class:`ReviewSource` and nothing else: the
workspace layer's own adapter (``swarm_tui.workspace.reviews``) answers it from git and the
workspace state files, and the orchestrator's review methods answer it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

__all__ = ["Review", "ReviewCheck", "ReviewFile", "ReviewOutcome", "ReviewSource"]


@dataclass(frozen=True, slots=True)
class ReviewFile:
    """One file the task's branch changes against the base."""

    path: str
    added: int | None
    """Lines added; None for a binary file."""
    removed: int | None
    diff: str
    """The file's unified diff (``git diff`` against where the branch left the base)."""

    @property
    def counts(self) -> str:
        """``+12 -3``, or ``binary``."""
        if self.added is None or self.removed is None:
            return "binary"
        return f"+{self.added} -{self.removed}"


@dataclass(frozen=True, slots=True)
class ReviewCheck:
    """One check of the latest round, as it ran in the task's worktree."""

    name: str
    command: str
    exit_code: int | None
    """None when it was killed at its timeout."""
    duration_s: float
    output: str
    timed_out: bool = False

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    @property
    def verdict(self) -> str:
        """``passed``, ``failed (exit 1)`` or ``timed out after 30s``."""
        if self.timed_out:
            return f"timed out after {self.duration_s:.0f}s"
        return "passed" if self.passed else f"failed (exit {self.exit_code})"


@dataclass(frozen=True, slots=True)
class Review:
    """Everything a reviewer decides on."""

    task_id: int
    title: str
    project: str
    branch: str
    base: str
    state: str
    """The workspace's status: ``open``, ``needs_review``, ``merged``, ``rejected``."""
    files: tuple[ReviewFile, ...] = ()
    checks: tuple[ReviewCheck, ...] = ()
    rounds: int = 0
    """Check rounds run so far (the checks shown are the latest round's)."""
    summary: str = ""
    """What the agent said it did (its final answer)."""
    note: str = ""
    """The workspace's latest note: a conflict met, a send-back's note, how it ended."""

    @property
    def added(self) -> int:
        return sum(f.added or 0 for f in self.files)

    @property
    def removed(self) -> int:
        return sum(f.removed or 0 for f in self.files)

    @property
    def checks_verdict(self) -> str:
        """``2/2 passed``, ``1/2 passed (failed: pytest)``, ``none run``."""
        if not self.checks:
            return "none run" if self.rounds == 0 else "none configured"
        failed = [c.name for c in self.checks if not c.passed]
        passed = f"{len(self.checks) - len(failed)}/{len(self.checks)} passed"
        return passed + (f" (failed: {', '.join(failed)})" if failed else "")

    @property
    def decided(self) -> bool:
        """Merged or rejected: nothing more to decide."""
        return self.state in ("merged", "rejected")


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """What a decision did. ``done`` False: nothing changed, ``message`` says why."""

    done: bool
    message: str
    conflicts: tuple[str, ...] = field(default_factory=tuple)
    """Files that conflict with the base when an accept could not merge."""


@runtime_checkable
class ReviewSource(Protocol):
    """Where the diff screen reads a review and sends its decisions."""

    async def review_of(self, task_id: int) -> Review | None:
        """The task's review; None when the task has no workspace."""
        ...

    async def review_accept(self, task_id: int) -> ReviewOutcome:
        """Merge the task's branch into the base (its conflicts, when it cannot)."""
        ...

    async def review_reject(self, task_id: int) -> ReviewOutcome:
        """Remove the task's branch and worktree."""
        ...

    async def review_send_back(self, task_id: int, note: str) -> ReviewOutcome:
        """Give the task another attempt in the same worktree, with ``note`` to read."""
        ...
