"""The agents' streams: the selected task's full screen, or a list of every stream."""

from __future__ import annotations

from swarm_tui.tui.actions.base import RoomActions
from swarm_tui.tui.screens.choose import ChooseScreen
from swarm_tui.tui.screens.stream_focus import StreamFocusScreen
from swarm_tui.tui.widgets.agent_streams import AgentStreams

__all__ = ["StreamActions"]


class StreamActions(RoomActions):
    def action_focus_stream(self) -> None:
        task = self._selected()
        if task is None:
            return
        panel = self.query_one(AgentStreams).for_task(task.id)
        if panel is None:
            self.notify(f"task #{task.id} has no live stream; i shows its output", timeout=4)
        else:
            self.push_screen(StreamFocusScreen(panel))

    def action_stream_list(self) -> None:
        """Every stream by title (running first): the chosen one full screen."""
        streams = self.query_one(AgentStreams)
        panels = streams.listing()
        if not panels:
            self.notify("no streams yet: one shows here for each running attempt", timeout=4)
            return
        options = [
            (str(p.info.attempt_id), f"{p.border_title} · {p.info.state} · {p.info.tokens} tok")
            for p in panels
        ]
        running = len(streams.running())
        title = f"Streams: {running} running, {len(panels) - running} ended (enter: full screen)"

        def chosen(choice: str | None) -> None:
            panel = streams.panels.get(int(choice)) if choice else None
            if panel is not None:
                streams.scroll_to_widget(panel, animate=False)
                self.push_screen(StreamFocusScreen(panel))

        self.push_screen(ChooseScreen(title, options), chosen)
