"""A conflict that waits for the human, on the ledger alone: find it, settle it. The
orchestrator's consensus side and the bare-ledger ``swarm-tui decide`` both write through
these (the orchestrator then tells its bus and its performance figures)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from swarm_tui.core.consensus import ConsensusRecord, resolve_by_human
from swarm_tui.core.consensus.rows import row_of
from swarm_tui.core.task_moves import ControlError, read_task
from swarm_tui.domain.models import Task, TaskMode, TaskState
from swarm_tui.store.ledger import Ledger

if TYPE_CHECKING:  # the config models and the code candidates load only for code consensus
    from swarm_tui.config import Settings

__all__ = [
    "adopt_candidate",
    "human_pick",
    "settle_conflict",
    "waiting_conflict",
    "waiting_conflicts",
]


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
    settings: Settings | None = None,
) -> str | None:
    """Write how the conflict ended; the task's result when it was decided. Consensus over
    code (``settings`` given): the chosen candidate's worktree, kept since the run, becomes
    the task's workspace and the task waits for review; the other candidates are removed."""
    result = record.decision if record.status == "decided" else None
    to_state = "succeeded"
    if (
        result is not None
        and settings is not None
        and await adopt_candidate(settings, ledger, task, attempt_id, record, now)
    ):
        to_state = "needs_review"
    written = await ledger.settle_consensus(
        row_of(task.id, attempt_id, record),
        result,
        now,
        extra_cost=cost,
        agent=task.pin_agent or task.role,
        event=event,
        to_state=to_state,
    )
    if not written:
        raise ControlError(f"task #{task.id} no longer waits for a decision")
    return result


async def adopt_candidate(
    settings: Settings,
    ledger: Ledger,
    task: Task,
    attempt_id: int,
    record: ConsensusRecord,
    now: float,
) -> bool:
    """A decided consensus over code: the winner's kept worktree becomes the task's workspace
    (True), the other candidates go. False for any other task, or when no kept worktree is
    the winner's (then every kept candidate goes)."""
    if task.project is None or task.mode != TaskMode.CONSENSUS:
        return False
    found = [a for a in await ledger.attempts(task.id) if a.id == attempt_id]
    if not found:
        return False
    from swarm_tui.core.consensus.code import CodeCandidates

    data_dir = Path(ledger.path).parent
    code = CodeCandidates(settings, ledger, task, found[0], data_dir, lambda: now)
    try:
        await code.reload()
        members = record.group(record.winner).members if record.winner else ()
        won = [c.model for c in record.candidates if c.id in members]
        if won and won[0] in code.candidates:
            await code.adopt(won[0])
            return True
        await code.discard()
        return False
    finally:
        code.close()
