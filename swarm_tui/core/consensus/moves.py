"""A conflict that waits for the human, on the ledger alone: find it, settle it. The
orchestrator's consensus side and the bare-ledger ``swarm-tui decide`` both write through
these (the orchestrator then tells its bus and its performance figures)."""

from __future__ import annotations

from swarm_tui.core.consensus import ConsensusRecord, resolve_by_human
from swarm_tui.core.consensus.rows import row_of
from swarm_tui.core.task_moves import ControlError, read_task
from swarm_tui.domain.models import Task, TaskState
from swarm_tui.store.ledger import Ledger

__all__ = ["human_pick", "settle_conflict", "waiting_conflict", "waiting_conflicts"]


async def waiting_conflicts(ledger: Ledger) -> list[tuple[Task, ConsensusRecord]]:
    """Tasks waiting in ``needs_vote``, with the record that says what is contested."""
    out = []
    for row in await ledger.waiting_consensus():
        task = await ledger.get_task(row.task_id)
        if task is not None:
            out.append((task, ConsensusRecord.from_json(row.record)))
    return out


async def waiting_conflict(ledger: Ledger, task_id: int) -> tuple[Task, int, ConsensusRecord]:
    """The task, its consensus attempt and the record, of a task waiting in ``needs_vote``."""
    task = await read_task(ledger, task_id)
    row = await ledger.consensus(task_id)
    if task.state != TaskState.NEEDS_VOTE or row is None or row.status != "needs_human":
        raise ControlError(
            f"task #{task_id} is {task.state.value}: only a task in needs_vote waits for a decision"
        )
    return task, row.attempt_id, ConsensusRecord.from_json(row.record)


def human_pick(task_id: int, record: ConsensusRecord, label: str, note: str) -> ConsensusRecord:
    """The record decided for candidate ``label`` (A, B, ...), picked by the human."""
    try:
        return resolve_by_human(record, label.strip().upper(), note)
    except ValueError as exc:
        raise ControlError(f"task #{task_id}: {exc}") from None


async def settle_conflict(
    ledger: Ledger,
    task: Task,
    attempt_id: int,
    record: ConsensusRecord,
    *,
    cost: float,
    event: str,
    now: float,
) -> str | None:
    """Write how the conflict ended; the task's result when it was decided."""
    result = record.decision if record.status == "decided" else None
    written = await ledger.settle_consensus(
        row_of(task.id, attempt_id, record),
        result,
        now,
        extra_cost=cost,
        agent=task.pin_agent or task.role,
        event=event,
    )
    if not written:
        raise ControlError(f"task #{task.id} no longer waits for a decision")
    return result
