"""The room's diff screen reads the ledger's reviews (Control.review_* or the service's) as
its own plain review data, and a worktree the ledger does not know through the fallback."""

from __future__ import annotations

from swarm_tui.domain import review as screen
from swarm_tui.domain import workspaces as ledger
from swarm_tui.tui.review_source import LedgerReviews


def _row(task_id: int) -> ledger.WorkspaceRow:
    return ledger.WorkspaceRow(
        task_id, 2, "api", "/wt/7", "swarm/7-health", "main", "abc", "needs_review", note="n"
    )


class Calls:
    def __init__(self) -> None:
        self.asked: list[tuple[str, int, str]] = []

    async def review_of(self, task_id: int) -> ledger.Review | None:
        if task_id != 7:
            return None
        check = ledger.CheckRun(7, 2, 1, "tests", "pytest -q", 1, False, 2.5, "1 failed", 0.0)
        rnd = ledger.RoundRecord(7, 2, 1, "c0ffee", 1, 3, 1, (("app.py", 3, 1),), False, 0.0)
        files = (ledger.FileDiff("app.py", 3, 1, "@@ diff"),)
        return ledger.Review(
            7, "health", "needs_review", _row(7), files, (check,), (rnd, rnd), "did it"
        )

    async def review_accept(self, task_id: int) -> ledger.ReviewOutcome:
        self.asked.append(("accept", task_id, ""))
        return ledger.ReviewOutcome(task_id, False, "conflict", ("app.py",))

    async def review_reject(self, task_id: int, note: str = "") -> ledger.ReviewOutcome:
        self.asked.append(("reject", task_id, note))
        return ledger.ReviewOutcome(task_id, True, "rejected")

    async def review_send_back(self, task_id: int, note: str) -> ledger.ReviewOutcome:
        self.asked.append(("send_back", task_id, note))
        return ledger.ReviewOutcome(task_id, True, "queued")


class Files:
    def __init__(self) -> None:
        self.asked: list[str] = []

    async def review_of(self, task_id: int) -> screen.Review | None:
        if task_id != 9:
            return None
        return screen.Review(9, "outside", "api", "b", "main", "open")

    async def review_accept(self, task_id: int) -> screen.ReviewOutcome:
        self.asked.append(f"accept {task_id}")
        return screen.ReviewOutcome(True, "merged")

    async def review_reject(self, task_id: int) -> screen.ReviewOutcome:
        self.asked.append(f"reject {task_id}")
        return screen.ReviewOutcome(True, "removed")

    async def review_send_back(self, task_id: int, note: str) -> screen.ReviewOutcome:
        self.asked.append(f"send_back {task_id} {note}")
        return screen.ReviewOutcome(True, "noted")


async def test_a_ledger_review_becomes_the_screens_review_and_decisions_go_to_the_ledger() -> None:
    calls, files = Calls(), Files()
    source = LedgerReviews(calls, fallback=files)
    found = await source.review_of(7)
    assert found is not None
    assert (found.project, found.branch, found.base, found.state) == (
        "api", "swarm/7-health", "main", "needs_review"
    )  # fmt: skip
    assert [(f.path, f.counts, f.diff) for f in found.files] == [("app.py", "+3 -1", "@@ diff")]
    assert found.checks_verdict == "0/1 passed (failed: tests)"
    assert (found.rounds, found.summary, found.note) == (2, "did it", "n")
    out = await source.review_accept(7)
    assert (out.done, out.conflicts) == (False, ("app.py",))
    assert (await source.review_send_back(7, "fix it")).done
    assert calls.asked == [("accept", 7, ""), ("send_back", 7, "fix it")]
    assert files.asked == []


async def test_a_worktree_the_ledger_does_not_know_is_read_and_decided_by_the_fallback() -> None:
    calls, files = Calls(), Files()
    source = LedgerReviews(calls, fallback=files)
    found = await source.review_of(9)
    assert found is not None and found.title == "outside"
    assert (await source.review_reject(9)).message == "removed"
    assert files.asked == ["reject 9"] and calls.asked == []
    assert await LedgerReviews(calls).review_of(9) is None
