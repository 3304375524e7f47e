"""After recovery: what became of each task whose attempt was abandoned, and its cost.

An abandoned attempt (its process died or its lease expired) goes back to the queue; it does
not count toward ``max_attempts`` (the orchestrator's crash is not the task's fault). But a
task that itself brings the process down would be paid for again on every restart, so after
``[orchestrator] max_abandoned`` abandonments in a row the ledger holds it (paused, with the
reason): the room and ``status`` show it, a notice says why, and the user resumes it. Each
abandoned attempt is charged an estimate of what it was billed (its prompt, and its partial
output, at about four characters per token), marked ``estimated``, so budgets and reports
count the spend of a crash loop. An agent CLI an abandoned attempt left running on this host
is stopped first (``core/orphans.py``): the task's next attempt is the only agent on it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from swarm_tui.config import Settings
from swarm_tui.core.bus import EventBus
from swarm_tui.core.orphans import stop_orphans
from swarm_tui.core.usage_estimate import estimate_tokens
from swarm_tui.domain.events import Notice, TaskChanged
from swarm_tui.domain.models import Attempt, Task, TaskState
from swarm_tui.providers.base import Usage
from swarm_tui.providers.pricing import price
from swarm_tui.store.ledger import Ledger

__all__ = ["settle_recovered"]

log = logging.getLogger("swarm_tui.orchestrator")


async def settle_recovered(
    settings: Settings,
    ledger: Ledger,
    bus: EventBus,
    lost: list[Attempt],
    now: float,
    reason: Callable[[Attempt], str],
) -> None:
    """Stop the agent CLIs the abandoned attempts left running (``core/orphans.py``), charge
    each attempt its estimate, and tell the bus which tasks were queued again
    (``reason(attempt)``) and which are held (with why)."""
    if not lost:
        return
    await stop_orphans(settings, ledger, bus, lost, now)
    tasks = {t.id: t for t in await ledger.get_tasks({a.task_id for a in lost})}
    told: set[int] = set()
    for attempt in lost:
        task = tasks.get(attempt.task_id)
        if task is None:
            continue
        await _charge(settings, ledger, attempt, task, now)
        if task.id in told:
            continue
        told.add(task.id)
        if task.state == TaskState.PAUSED and task.held:
            log.warning("task #%d %s", task.id, task.held)
            bus.publish(TaskChanged(task.id, TaskState.PAUSED, task.held))
            bus.publish(Notice("error", f"task #{task.id} {task.held}"))
        else:
            bus.publish(TaskChanged(task.id, TaskState.QUEUED, reason(attempt)))


async def _charge(
    settings: Settings, ledger: Ledger, attempt: Attempt, task: Task, now: float
) -> None:
    provider = settings.providers.get(attempt.provider)
    model = provider.models.get(attempt.model) if provider is not None else None
    if model is None:  # not a model call of ours (a consensus run's own attempt)
        return
    agent = settings.agents.get(attempt.agent)
    system = agent.system_prompt if agent is not None else ""
    usage = Usage(
        estimate_tokens(len(system) + len(task.prompt)),
        estimate_tokens(len(attempt.output)),
        source="estimated",
    )
    assert usage.input_tokens is not None and usage.output_tokens is not None
    await ledger.charge_abandoned(
        attempt.id, usage.input_tokens, usage.output_tokens, price(model, usage), now
    )
