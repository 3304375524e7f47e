"""A live progress display for ``swarm-tui run`` on a terminal (rich), until the control room
replaces it: the task table and the newest text of each running attempt."""

from __future__ import annotations

import asyncio
import contextlib

from rich.console import Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from swarm_tui.core.bus import Subscription
from swarm_tui.core.events import AttemptEnded, AttemptStarted, StreamChunk
from swarm_tui.core.orchestrator import Orchestrator

__all__ = ["show_progress"]

_TAIL = 240


async def _render(orch: Orchestrator, streams: dict[int, tuple[str, str]]) -> Group:
    tasks = await orch.tasks()
    table = Table("id", "title", "state", "agent", "model", "tokens", "cost $", expand=True)
    for t in tasks[-30:]:
        table.add_row(
            str(t.id),
            t.title[:50],
            t.state.value,
            t.agent or t.role,
            f"{t.provider}/{t.model}" if t.provider else "-",
            f"{t.tokens_in}/{t.tokens_out}",
            f"{t.cost_usd:.4f}",
        )
    panels = [Panel(Text(text[-_TAIL:]), title=title, height=6) for title, text in streams.values()]
    return Group(table, *panels)


async def show_progress(orch: Orchestrator, sub: Subscription) -> None:
    streams: dict[int, tuple[str, str]] = {}
    with Live(await _render(orch, streams), refresh_per_second=8) as live:
        while True:
            with contextlib.suppress(TimeoutError):
                batch = await asyncio.wait_for(sub.get(), 0.25)
                for event in batch:
                    if isinstance(event, AttemptStarted):
                        title = f"#{event.task_id} {event.agent} · {event.provider}/{event.model}"
                        streams[event.attempt_id] = (title, "")
                    elif isinstance(event, StreamChunk) and event.attempt_id in streams:
                        title, text = streams[event.attempt_id]
                        streams[event.attempt_id] = (title, (text + event.text)[-_TAIL:])
                    elif isinstance(event, AttemptEnded):
                        streams.pop(event.attempt_id, None)
                if sub.closed:
                    return
            live.update(await _render(orch, streams))
