"""The report's figures come from one ledger read as plain dataclasses (a real SQLite file):
ended attempts with their task's role, by id, and the consensus runs with their models."""

from __future__ import annotations

import dataclasses
import json

from swarm_tui.domain.models import AttemptState, TaskState
from swarm_tui.domain.reads import AttemptFigures, ConsensusRow, ModelFigures, ReportFigures
from swarm_tui.store.ledger import Ledger
from tests.store.test_ledger import NOW, add, claim, end, new


async def _history(ledger: Ledger) -> tuple[int, int, int, int, int]:
    """A succeeded attempt (with usage) at NOW, a failed one at NOW+100, one still running;
    a decided consensus run on the first task."""
    t1, t2, t3 = await add(ledger, new("one"), new("two"), new("three"))
    a1 = await claim(ledger, t1, now=NOW)
    assert a1 is not None
    done = end(
        AttemptState.SUCCEEDED, TaskState.SUCCEEDED, tokens_in=10, tokens_out=20,
        tokens_cached=4, usage_source="reported", cost_usd=0.5, ttft_ms=12.0,
        duration_ms=300.0, result_from_output=True,
    )  # fmt: skip
    assert await ledger.finish_attempt(a1, done, NOW + 1)
    a2 = await claim(ledger, t2, now=NOW + 100)
    assert a2 is not None
    assert await ledger.finish_attempt(
        a2, end(AttemptState.FAILED, TaskState.FAILED, error="boom"), NOW + 101
    )
    assert await claim(ledger, t3, now=NOW + 200) is not None  # running: never counted
    run = ConsensusRow(
        t1, a1.id, "consensus", "decided", "majority", "A", 0.5, 0.25, "{}",
        models=(ModelFigures("p1/m1", answers=2, won=1, votes=1, cost_usd=0.25),),
    )  # fmt: skip
    await ledger.save_consensus(run, NOW + 2)
    return t1, t2, a1.id, a2.id, t3


async def test_report_figures_are_typed_ended_attempts_and_runs(ledger: Ledger) -> None:
    t1, t2, a1, a2, _ = await _history(ledger)

    figures = await ledger.report_figures(None)

    assert isinstance(figures, ReportFigures) and figures.since is None
    assert figures.attempts == (
        AttemptFigures(
            attempt_id=a1, task_id=t1, agent="a", provider="p1", model="m1", role="a",
            state="succeeded", tokens_in=10, tokens_out=20, tokens_cached=4, cost_usd=0.5,
            ttft_ms=12.0, duration_ms=300.0, started_at=NOW, usage_source="reported",
        ),
        AttemptFigures(
            attempt_id=a2, task_id=t2, agent="a", provider="p1", model="m1", role="a",
            state="failed", tokens_in=None, tokens_out=None, tokens_cached=None, cost_usd=0.0,
            ttft_ms=None, duration_ms=None, started_at=NOW + 100, usage_source="unknown",
        ),
    )  # fmt: skip
    [run] = figures.consensus
    assert (run.task_id, run.decided_by, run.winner, run.updated_at) == (
        t1,
        "majority",
        "A",
        NOW + 2,
    )
    assert run.models == (ModelFigures("p1/m1", answers=2, won=1, votes=1, cost_usd=0.25),)


async def test_report_figures_since_leave_out_what_came_before(ledger: Ledger) -> None:
    _, _, _, a2, _ = await _history(ledger)

    later = await ledger.report_figures(NOW + 50)

    assert later.since == NOW + 50
    assert [a.attempt_id for a in later.attempts] == [a2]
    assert later.consensus == ()  # the run was recorded at NOW + 2


async def test_report_figures_are_plain_values_a_socket_can_carry(ledger: Ledger) -> None:
    await _history(ledger)
    figures = await ledger.report_figures(None)

    carried = json.loads(json.dumps(dataclasses.asdict(figures)))

    attempts = tuple(AttemptFigures(**a) for a in carried["attempts"])
    runs = tuple(
        ConsensusRow(**{**r, "models": tuple(ModelFigures(**m) for m in r["models"])})
        for r in carried["consensus"]
    )
    assert ReportFigures(carried["since"], attempts, runs) == figures
