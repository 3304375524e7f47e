"""The help screen: every key, from the live bindings (so a remapped key shows as remapped)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

__all__ = ["HelpScreen"]

INTRO = """swarm-tui control room

The task queue is on top, live agent streams below, the status bar at the top edge.
tab moves between panes; enter on a task opens its detail, on a stream its full screen.
ctrl+p opens the command palette for everything else.
"""


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 80%; max-width: 90; height: 90%; border: thick $primary; background: $surface;
        padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss(None)", "Close", id="help_close")]

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        width = max((len(k) for k, _ in self.keys), default=4) + 2
        rows = "\n".join(f"{key:<{width}}{text}" for key, text in self.keys)
        with VerticalScroll():
            yield Static(INTRO + "\n" + rows, markup=False, id="help-text")
