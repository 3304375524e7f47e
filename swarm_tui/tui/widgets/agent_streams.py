"""The agent streams pane: one :class:`StreamPanel` per running attempt, newest last; a few
finished ones stay visible (marked as ended) until newer work pushes them out."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from swarm_tui.domain.models import Task
from swarm_tui.tui.messages import StreamInfo
from swarm_tui.tui.widgets.stream_panel import StreamPanel

__all__ = ["EMPTY_STREAMS", "AgentStreams"]

EMPTY_STREAMS = (
    "Agent streams show here while tasks run: one pane per running attempt, its text as it"
    " arrives, titled with the task, the attempt, the agent and the model.\n"
    "f (or enter on a pane) shows one full screen; l lists every stream. n adds a task."
)


class AgentStreams(VerticalScroll):
    DEFAULT_CSS = """
    AgentStreams {
        height: 1fr;
        layout: grid;
        grid-size: 2;
        grid-rows: 12;
        grid-gutter: 0 1;
        scrollbar-gutter: stable;  /* panels keep their width when the pane starts to scroll */
    }
    AgentStreams.-single { grid-size: 1; grid-rows: 8; }
    AgentStreams > #streams-empty {
        color: $text-muted; padding: 1 2; column-span: 2; height: auto;
    }
    """

    def __init__(self, *, max_lines: int, keep_ended: int = 4, id: str | None = None) -> None:
        super().__init__(id=id)
        self.max_lines = max_lines
        self.keep_ended = keep_ended
        self.panels: dict[int, StreamPanel] = {}
        self.ended: list[int] = []

    def compose(self) -> ComposeResult:
        yield Static(EMPTY_STREAMS, id="streams-empty", markup=False)

    def panel(self, info: StreamInfo) -> StreamPanel:
        panel = self.panels.get(info.attempt_id)
        if panel is None:
            panel = StreamPanel(info, max_lines=self.max_lines)
            self.panels[info.attempt_id] = panel
            self.mount(panel)
            self.query_one("#streams-empty").display = False
        else:
            panel.set_info(info)
        return panel

    def update_streams(self, infos: dict[int, StreamInfo], text: dict[int, str]) -> None:
        for info in infos.values():
            self.panel(info)
            if info.state != "running" and info.attempt_id not in self.ended:
                self.ended.append(info.attempt_id)
                self.move_child(self.panels[info.attempt_id], after=len(self.children) - 1)
        for attempt_id, chunk in text.items():
            panel = self.panels.get(attempt_id)
            if panel is not None:
                panel.append(chunk)
        while len(self.ended) > self.keep_ended:
            old = self.panels.pop(self.ended.pop(0), None)
            if old is not None:
                old.remove()

    def clear(self) -> None:
        """Drop every panel (the room attached again: the live ones are drawn anew)."""
        for panel in self.panels.values():
            panel.remove()
        self.panels.clear()
        self.ended.clear()
        self.query_one("#streams-empty").display = True

    def follow_tasks(self, tasks: Iterable[Task]) -> None:
        """An ended panel says what its task waits for (a vote), not only how the attempt
        ended ("succeeded" reads as done while the task waits for your vote)."""
        for task in tasks:
            panel = self.for_task(task.id)
            if panel is not None:
                panel.set_task_state(task.state)

    def running(self) -> list[StreamPanel]:
        return [p for p in self.panels.values() if p.info.state == "running"]

    def listing(self) -> list[StreamPanel]:
        """Every pane, the running ones first (task and attempt order), then the ended."""
        panels = sorted(self.panels.values(), key=lambda p: (p.info.task_id, p.info.number))
        return [p for p in panels if p.info.state == "running"] + [
            p for p in panels if p.info.state != "running"
        ]

    def for_task(self, task_id: int) -> StreamPanel | None:
        found = [p for p in self.panels.values() if p.info.task_id == task_id]
        return found[-1] if found else None
