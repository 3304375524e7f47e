"""What the orchestrator keeps per attempt in flight: the run and the job that drives it."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass

from swarm_tui.core.bus import EventBus
from swarm_tui.core.consensus.run import ConsensusRun
from swarm_tui.core.runner import AttemptRun
from swarm_tui.domain.events import AttemptStarted, TaskChanged
from swarm_tui.domain.models import TaskState

__all__ = ["Running", "launch"]


@dataclass
class Running:
    run: AttemptRun | ConsensusRun
    """A single-model attempt, or a consensus/review run (one attempt over many models)."""
    job: asyncio.Task[None]


def launch(
    run: AttemptRun | ConsensusRun,
    running: dict[int, Running],
    bus: EventBus,
    finished: Callable[[int, asyncio.Task[None]], None],
) -> None:
    """Start a claimed attempt's job, keep it in ``running`` and tell the bus."""
    a = run.attempt
    job = asyncio.create_task(run.run(), name=f"attempt-{a.id}")
    running[a.id] = Running(run, job)
    job.add_done_callback(functools.partial(finished, a.id))
    bus.publish(TaskChanged(a.task_id, TaskState.RUNNING, a.routing_reason))
    bus.publish(
        AttemptStarted(a.task_id, a.id, a.number, a.agent, a.provider, a.model, a.routing_reason)
    )
