"""Abandonments in a row are counted on the task; the ``hold_after``-th holds it (paused with
the reason) instead of queueing it again; any attempt that ends in a live process resets the
count. A real ledger file."""

from __future__ import annotations

import pytest

from swarm_tui.domain.models import AttemptState, TaskState
from swarm_tui.store.ledger import Ledger
from tests.store.test_ledger import NOW, add, claim, end, new


async def _abandon(ledger: Ledger, task_id: int, now: float, hold_after: int) -> None:
    attempt = await claim(ledger, task_id, now=now, owner="dead-host:1:1")
    assert attempt is not None
    lost = await ledger.recover(lambda o: o == "dead-host:1:1", now + 1, hold_after=hold_after)
    assert [a.id for a in lost] == [attempt.id]


async def test_the_third_abandonment_in_a_row_holds_the_task(ledger: Ledger) -> None:
    (tid,) = await add(ledger, new())
    for i in range(2):
        await _abandon(ledger, tid, NOW + 10 * i, hold_after=3)
        task = await ledger.get_task(tid)
        assert task is not None and (task.state, task.abandoned, task.held) == (
            TaskState.QUEUED,
            i + 1,
            None,
        )
    await _abandon(ledger, tid, NOW + 20, hold_after=3)
    task = await ledger.get_task(tid)
    assert task is not None and task.state == TaskState.PAUSED and task.abandoned == 3
    assert task.held is not None and task.held.startswith("held after 3 abandoned attempts")
    assert "its orchestrator stopped" in task.held
    assert await ledger.ready_tasks(NOW + 100, 10) == []  # not dispatched by itself
    kinds = [k for k, _a, _d in await ledger.events(tid)]
    assert kinds.count("attempt_abandoned") == 3 and kinds.count("task_held") == 1
    assert await ledger.failed_attempts(tid) == 0  # abandonments never spend max_attempts


async def test_an_attempt_that_ends_in_a_live_process_resets_the_count(ledger: Ledger) -> None:
    (tid,) = await add(ledger, new())
    await _abandon(ledger, tid, NOW, hold_after=2)
    attempt = await claim(ledger, tid, now=NOW + 10)
    assert attempt is not None
    failed = end(AttemptState.FAILED, TaskState.QUEUED, error="HTTP 500")
    assert await ledger.finish_attempt(attempt, failed, NOW + 11)
    task = await ledger.get_task(tid)
    assert task is not None and task.abandoned == 0
    await _abandon(ledger, tid, NOW + 20, hold_after=2)
    task = await ledger.get_task(tid)
    assert task is not None and (task.state, task.abandoned) == (TaskState.QUEUED, 1)


async def test_an_abandoned_attempt_is_charged_its_estimate_once(ledger: Ledger) -> None:
    (tid,) = await add(ledger, new())
    attempt = await claim(ledger, tid, owner="dead-host:1:1")
    assert attempt is not None
    await ledger.recover(lambda o: o == "dead-host:1:1", NOW + 1, hold_after=5)
    assert await ledger.charge_abandoned(attempt.id, 40, 7, 0.25, NOW + 2)
    assert not await ledger.charge_abandoned(attempt.id, 40, 7, 0.25, NOW + 3)
    (stored,) = await ledger.attempts(tid)
    assert (stored.tokens_in, stored.tokens_out, stored.cost_usd) == (40, 7, 0.25)
    assert stored.usage_source.value == "estimated"
    task = await ledger.get_task(tid)
    assert task is not None and task.cost_usd == pytest.approx(0.25)


async def test_an_orphan_whose_record_failed_does_not_count(ledger: Ledger) -> None:
    """An attempt that ended in this live process but could not be recorded (a locked ledger)
    is given up as an orphan: its task did not bring anything down."""
    (tid,) = await add(ledger, new())
    attempt = await claim(ledger, tid)
    assert attempt is not None
    await ledger.recover(lambda _o: False, NOW + 1, orphans={attempt.id}, hold_after=1)
    task = await ledger.get_task(tid)
    assert task is not None and (task.state, task.abandoned, task.held) == (
        TaskState.QUEUED,
        0,
        None,
    )
