"""What a headless run and a service write on stderr and in their log: one line per task and
attempt change (:func:`log_events`), the log's format, and the closing totals line."""

from __future__ import annotations

import sys
import time

from swarm_tui.core.bus import Subscription
from swarm_tui.domain.events import (
    AttemptEnded,
    AttemptStarted,
    BreakerChanged,
    FallbackUsed,
    Notice,
    RetryScheduled,
    TaskChanged,
)
from swarm_tui.domain.reads import Totals
from swarm_tui.hw.events import HardwareSampled

__all__ = ["LOG_FORMAT", "exit_line", "line", "log_events"]

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def line(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


async def log_events(sub: Subscription) -> None:
    """One line per task and attempt change (stream text stays in the ledger)."""
    async for event in sub:
        if isinstance(event, AttemptStarted):
            line(
                f"task #{event.task_id} attempt {event.number} started: {event.agent} on"
                f" {event.provider}/{event.model} ({event.reason})"
            )
        elif isinstance(event, AttemptEnded) and event.state != "succeeded":
            line(f"task #{event.task_id} attempt {event.state}: {event.error or ''}")
        elif isinstance(event, TaskChanged) and event.state.terminal:
            detail = f": {event.reason}" if event.reason else ""
            line(f"task #{event.task_id} {event.state.value}{detail}")
        elif isinstance(event, HardwareSampled):
            for alert in event.raised:
                line(f"hardware {alert.level}: {alert.text}")
        elif isinstance(event, Notice):
            line(f"{event.level}: {event.text}")
        elif isinstance(event, RetryScheduled):
            line(f"task #{event.task_id} retry in {event.wait_s:.1f}s: {event.reason}")
        elif isinstance(event, FallbackUsed):
            line(f"task #{event.task_id} {event.reason}")
        elif isinstance(event, BreakerChanged):
            line(f"breaker {event.model} {event.state}: {event.reason}")


def exit_line(totals: Totals) -> str:
    """``done: 3 succeeded, 1 queued; tokens 120 in / 40 out`` (``no tasks`` when empty)."""
    states = ", ".join(f"{n} {s}" for s, n in sorted(totals.by_state.items())) or "no tasks"
    return f"done: {states}; tokens {totals.tokens_in} in / {totals.tokens_out} out"
