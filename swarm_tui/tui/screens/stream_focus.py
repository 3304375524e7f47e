"""One agent stream full-screen, with its scrollback (the last ``stream_max_lines`` lines)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Log

from swarm_tui.tui.widgets.stream_panel import StreamPanel, wrap

__all__ = ["StreamFocusScreen"]


class StreamFocusScreen(Screen[None]):
    DEFAULT_CSS = """
    StreamFocusScreen Log { border: round $stream-border-focus; height: 1fr; }
    """
    BINDINGS = [Binding("escape,q,f", "app.pop_screen", "Back", id="focus_close")]

    def __init__(self, panel: StreamPanel) -> None:
        super().__init__()
        self.panel = panel
        self.width = 80
        self.column = 0

    @property
    def attempt_id(self) -> int:
        return self.panel.info.attempt_id

    def compose(self) -> ComposeResult:
        log = Log(max_lines=self.panel.max_lines, id="focus-log")
        log.border_title = self.panel.border_title
        log.border_subtitle = self.panel.border_subtitle
        yield log
        yield Footer()

    def on_mount(self) -> None:
        self.width = max(20, self.app.size.width - 4)
        text, self.column = wrap(self.panel.text(), 0, self.width)
        log = self.query_one(Log)
        log.write(text)
        log.focus()

    def append(self, text: str) -> None:
        log = self.query_one(Log)
        wrapped, self.column = wrap(text, self.column, self.width)
        log.write(wrapped)
        log.border_subtitle = self.panel.border_subtitle
