"""How an attempt's end is written: its record (state, usage and cost, its task's move), told
on the bus once written, and the reasons a stopped attempt's task goes where it goes.

The end of a stopped attempt is written shielded from the stop (:func:`finish_shielded`): a
ledger that cannot take it for now (its server away) keeps it and writes it when it can; a
shutdown that will not wait that long stops waiting, and what became of it then is never
left as an unretrieved error.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Coroutine
from typing import Any

from swarm_tui.core.bus import EventBus
from swarm_tui.domain.events import AttemptEnded, TaskChanged, UsageRecorded
from swarm_tui.domain.models import Attempt, AttemptState, TaskState
from swarm_tui.providers.base import Usage
from swarm_tui.store.ledger import Ledger
from swarm_tui.store.writes import AttemptEnd

__all__ = ["STOP_TARGETS", "attempt_end", "finish_attempt", "finish_shielded"]

STOP_TARGETS: dict[str, TaskState] = {
    "pause": TaskState.PAUSED,
    "cancel": TaskState.CANCELLED,
    "reassign": TaskState.QUEUED,
    "requeue": TaskState.QUEUED,
    "shutdown": TaskState.QUEUED,
}
"""Why an attempt was stopped -> what its task becomes."""


async def finish_shielded(write: Coroutine[Any, Any, None]) -> None:
    """Await ``write`` shielded from a stop; if the waiting is cancelled again (a shutdown
    that does not wait for the ledger), the write goes on and its outcome is retrieved."""
    job = asyncio.ensure_future(write)
    job.add_done_callback(_retrieve)
    await asyncio.shield(job)


def _retrieve(job: asyncio.Future[None]) -> None:
    with contextlib.suppress(BaseException):
        job.result()


def attempt_end(
    state: AttemptState,
    task_state: TaskState,
    usage: Usage | None,
    cost: float,
    started: float,
    ttft: float | None = None,
) -> AttemptEnd:
    """How an attempt ended, with its usage and cost; ``started`` is its ``time.monotonic()``."""
    usage = usage or Usage(None, None, source="unknown")
    return AttemptEnd(
        state,
        task_state=task_state,
        tokens_in=usage.input_tokens,
        tokens_out=usage.output_tokens,
        tokens_cached=usage.cached_tokens,
        usage_source=usage.source,
        cost_usd=cost,
        ttft_ms=ttft,
        duration_ms=(time.monotonic() - started) * 1000,
    )


async def finish_attempt(
    ledger: Ledger, bus: EventBus, a: Attempt, end: AttemptEnd, now: float
) -> bool:
    """Write how attempt ``a`` ended and tell the bus; False when it was fenced (already
    given up: nothing written, nothing told)."""
    if not await ledger.finish_attempt(a, end, now):
        return False
    if end.tokens_in is not None or end.tokens_out is not None or end.cost_usd:
        bus.publish(
            UsageRecorded(
                a.task_id, a.id, end.tokens_in, end.tokens_out, end.cost_usd, end.usage_source
            )
        )
    bus.publish(AttemptEnded(a.task_id, a.id, end.state.value, end.error, end.duration_ms))
    if end.task_state is not None:
        bus.publish(TaskChanged(a.task_id, end.task_state, end.error or ""))
    return True
