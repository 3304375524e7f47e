"""A task held after too many abandoned attempts shows as held in the room's rows, and
resuming it queues it again with a fresh count (the orchestrator's public API, a real
ledger)."""

from __future__ import annotations

from swarm_tui.domain.models import TaskSpec, TaskState
from tests.conftest import OrchFactory


async def test_resume_clears_the_hold_and_the_count(make_orch: OrchFactory) -> None:
    orch = make_orch()
    [(task, _)] = await orch.submit([TaskSpec(prompt="poison", role="c")])
    now = orch.clock()
    for i in range(2):
        attempt = await orch.ledger.claim(
            task.id, agent="c", provider="p1", model="m1", reason="r", owner="gone:1:1",
            now=now + i, lease_until=now + i + 60,
        )  # fmt: skip
        assert attempt is not None
        await orch.ledger.recover(lambda o: o == "gone:1:1", now + i + 0.5, hold_after=2)
    held = await orch.task(task.id)
    assert held.state == TaskState.PAUSED and held.held and held.abandoned == 2
    start = await orch.ledger.recent_task_rows(10, 10)
    assert [(r.id, r.held) for r in start.rows] == [(task.id, True)]
    again = await orch.resume(task.id)
    assert (again.state, again.held, again.abandoned) == (TaskState.QUEUED, None, 0)
    start = await orch.ledger.recent_task_rows(10, 10)
    assert [(r.id, r.held) for r in start.rows] == [(task.id, False)]
