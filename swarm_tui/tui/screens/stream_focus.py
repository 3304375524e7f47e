"""One agent stream full-screen, with its scrollback (the last ``stream_max_lines`` lines)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from swarm_tui.tui.widgets.stream_panel import StreamPanel, WrappedLog

__all__ = ["StreamFocusScreen"]


class StreamFocusScreen(Screen[None]):
    DEFAULT_CSS = """
    StreamFocusScreen WrappedLog { border: round $stream-border-focus; height: 1fr; }
    """
    BINDINGS = [Binding("escape,q,f", "app.pop_screen", "Back", id="focus_close")]

    def __init__(self, panel: StreamPanel) -> None:
        super().__init__()
        self.panel = panel

    @property
    def attempt_id(self) -> int:
        return self.panel.info.attempt_id

    def compose(self) -> ComposeResult:
        log = WrappedLog(max_lines=self.panel.max_lines or 1, id="focus-log")
        log.border_title = self.panel.border_title
        log.border_subtitle = self.panel.border_subtitle
        yield log
        yield Footer()

    def on_mount(self) -> None:
        log = self.query_one(WrappedLog)
        log.append(self.panel.text())  # wrapped to the screen's width once laid out
        log.focus()

    def append(self, text: str) -> None:
        log = self.query_one(WrappedLog)
        log.append(text)
        log.border_subtitle = self.panel.border_subtitle
