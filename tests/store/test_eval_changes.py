"""The eval records in the change feed, on both backends: a run made, a result measured, a
shadow sample taken and decided each log an ``eval`` change (name ``run`` or ``shadow``), so
an open eval view reads again when they change (the feed publishes them as RecordChanged)."""

from __future__ import annotations

from swarm_tui.store.changes import Change, ChangeReader
from swarm_tui.store.ledger import Ledger
from tests.service.test_eval_calls import result
from tests.store.test_changes import _new


async def _all(reader: ChangeReader) -> list[Change]:
    changes: list[Change] = []
    while (batch := await reader.read()) is not None:
        assert not batch.lost
        changes += batch.changes
        if not batch.more:
            break
    return changes


async def test_eval_runs_results_and_shadow_samples_are_logged_as_eval_changes(
    ledger: Ledger,
) -> None:
    [(task_id, _)] = await ledger.insert_tasks([_new("t1")], 1.0)
    reader = ChangeReader(ledger.changes)
    await reader.start()
    run = await ledger.add_eval_run("nightly", "basics", "d1", ["p1/m1"], 1, None, 1.0)
    assert await ledger.save_eval_result(result(run.id, "add", "p1/m1", task_id, True))
    assert await ledger.add_shadow(task_id, "a", "p1/m1", "p2/m1", 1.0)
    await ledger.update_shadow(task_id, 2.0, verdict="same")
    evals = [(c.kind, c.name) for c in await _all(reader) if c.kind == "eval"]
    assert evals == [("eval", "run"), ("eval", "run"), ("eval", "shadow"), ("eval", "shadow")]
    assert not await ledger.save_eval_result(result(run.id, "add", "p1/m1", task_id, True))
    assert [c for c in await _all(reader) if c.kind == "eval"] == []  # measured once: no change
