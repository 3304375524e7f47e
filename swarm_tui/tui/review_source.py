"""The diff screen's :class:`~swarm_tui.domain.review.ReviewSource` over the orchestrator's
review calls (``Control.review_*``, or the same calls through a service's socket): the
ledger's workspace rows, rounds and check runs turned into the screen's plain review data."""

from __future__ import annotations

from typing import Protocol

from swarm_tui.domain import review as screen
from swarm_tui.domain import workspaces as ledger

__all__ = ["LedgerReviews", "ReviewCalls"]


class ReviewCalls(Protocol):
    """The review calls of ``Control`` and of ``ServiceClient``."""

    async def review_of(self, task_id: int) -> ledger.Review | None: ...
    async def review_accept(self, task_id: int) -> ledger.ReviewOutcome: ...
    async def review_reject(self, task_id: int, note: str = "") -> ledger.ReviewOutcome: ...
    async def review_send_back(self, task_id: int, note: str) -> ledger.ReviewOutcome: ...


def _outcome(out: ledger.ReviewOutcome) -> screen.ReviewOutcome:
    return screen.ReviewOutcome(out.done, out.message, tuple(out.conflicts))


class LedgerReviews:
    """Answers the diff screen from the ledger's review (through ``calls``); a task the ledger
    has no workspace for is asked of ``fallback`` (the workspace layer's state files: a
    worktree made outside the orchestrator), and its decisions go there too."""

    def __init__(self, calls: ReviewCalls, fallback: screen.ReviewSource | None = None) -> None:
        self.calls = calls
        self.fallback = fallback
        self._elsewhere: set[int] = set()

    async def review_of(self, task_id: int) -> screen.Review | None:
        found = await self.calls.review_of(task_id)
        if found is None:
            if self.fallback is None:
                return None
            other = await self.fallback.review_of(task_id)
            if other is not None:
                self._elsewhere.add(task_id)
            return other
        self._elsewhere.discard(task_id)
        row = found.workspace
        return screen.Review(
            task_id=found.task_id,
            title=found.title,
            project=row.project,
            branch=row.branch,
            base=row.base,
            state=row.state,
            files=tuple(screen.ReviewFile(f.path, f.added, f.removed, f.diff) for f in found.files),
            checks=tuple(
                screen.ReviewCheck(
                    c.name, c.command, c.exit_code, c.duration_s, c.output, c.timed_out
                )
                for c in found.checks
            ),
            rounds=len(found.rounds),
            summary=found.summary,
            note=row.note,
        )

    def _other(self, task_id: int) -> screen.ReviewSource | None:
        return self.fallback if task_id in self._elsewhere else None

    async def review_accept(self, task_id: int) -> screen.ReviewOutcome:
        if (other := self._other(task_id)) is not None:
            return await other.review_accept(task_id)
        return _outcome(await self.calls.review_accept(task_id))

    async def review_reject(self, task_id: int) -> screen.ReviewOutcome:
        if (other := self._other(task_id)) is not None:
            return await other.review_reject(task_id)
        return _outcome(await self.calls.review_reject(task_id))

    async def review_send_back(self, task_id: int, note: str) -> screen.ReviewOutcome:
        if (other := self._other(task_id)) is not None:
            return await other.review_send_back(task_id, note)
        return _outcome(await self.calls.review_send_back(task_id, note))
