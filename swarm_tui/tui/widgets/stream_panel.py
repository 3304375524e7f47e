"""One agent's live stream: a capped log with agent, model, state and tokens/s on its border.

Text arrives in batches from the bridge. While the panel is not on screen, text is kept in a
bounded buffer and written in one go when it shows again (a hidden high-rate log must not
cost the UI anything).
"""

from __future__ import annotations

from collections import deque

from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Log

from swarm_tui.tui.messages import StreamInfo

__all__ = ["StreamPanel", "stream_title", "wrap"]

_HIDDEN_CHUNKS = 4096


def wrap(text: str, column: int, width: int) -> tuple[str, int]:
    """Break streamed text at ``width`` columns (a Log does not wrap); returns the text and
    the column the next chunk starts at."""
    out: list[str] = []
    for char in text:
        if char == "\n":
            column = 0
        elif column >= width:
            out.append("\n")
            column = 1
            if char == " ":
                column = 0
                continue
        else:
            column += 1
        out.append(char)
    return "".join(out), column


def stream_title(info: StreamInfo) -> str:
    """``#3 attempt 2 · agent · provider/model``: a re-run or reassigned task's panes differ."""
    return f"#{info.task_id} attempt {info.number} · {info.agent} · {info.model}"


class StreamPanel(Log):
    DEFAULT_CSS = """
    StreamPanel {
        border: round $stream-border;
        border-title-color: $foreground;
        border-subtitle-color: $text-muted;
        height: 100%;
        scrollbar-gutter: stable;  /* the width text is wrapped at must not change */
    }
    StreamPanel:focus { border: round $stream-border-focus; }
    StreamPanel.-ended { border: round $panel; }
    """
    BINDINGS = [Binding("enter", "open", "Full screen", id="stream_open")]

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
    """A panel's size is fixed by its grid cell, so new text must not re-lay out the whole
    screen (Widget's own ``virtual_size`` asks for a layout on every write: with 32 streams
    that was most of the control room's time). Scrollbars follow in the watcher."""

    def watch_virtual_size(self, size: Size) -> None:
        self._refresh_scrollbars()
        self._scroll_update(size)

    class Open(Message):
        def __init__(self, panel: StreamPanel) -> None:
            super().__init__()
            self.panel = panel

    def __init__(self, info: StreamInfo, *, max_lines: int) -> None:
        super().__init__(max_lines=max_lines, id=f"stream-{info.attempt_id}")
        self.info = info
        self.pending: deque[str] = deque(maxlen=_HIDDEN_CHUNKS)
        self.transcript: deque[str] = deque(maxlen=max_lines)
        """Full-screen view's source: the last ``max_lines`` lines, kept on the panel."""
        self._partial = ""
        self._column = 0
        self.set_info(info)

    def set_info(self, info: StreamInfo) -> None:
        self.info = info
        title = stream_title(info)
        rate = f" · {info.tokens_per_s:.1f} tok/s" if info.state == "running" else ""
        subtitle = f"{info.state} · {info.tokens} tok{rate}"
        if title != self.border_title:  # each change costs a repaint: skip the no-ops
            self.border_title = title
        if subtitle != self.border_subtitle:
            self.border_subtitle = subtitle
        self.set_class(info.state != "running", "-ended")

    @property
    def in_view(self) -> bool:
        """On the active screen and inside its container's viewport (not scrolled away)."""
        if not self.is_mounted or self.app.screen is not self.screen or not self.display:
            return False
        parent = self.parent
        region = self.region
        if not region:
            return False
        return not isinstance(parent, Widget) or region.overlaps(parent.region)

    def append(self, text: str) -> None:
        self._remember(text)
        if self.in_view:
            self.flush_pending()
            self._write_wrapped(text)
        else:
            self.pending.append(text)

    def flush_pending(self) -> None:
        """Write what arrived while hidden (called when shown and before new text)."""
        if self.pending:
            text = "".join(self.pending)
            self.pending.clear()
            self._write_wrapped(text)

    def _write_wrapped(self, text: str) -> None:
        # Wrapped when written, not when received: a panel mounted in the same update as its
        # first text has no width yet.
        width = max(20, self.scrollable_content_region.width)
        text, self._column = wrap(text, self._column, width)
        self.write(text)

    def _remember(self, text: str) -> None:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        self.transcript.extend(lines)

    def text(self) -> str:
        return "\n".join([*self.transcript, self._partial])

    def on_show(self) -> None:
        self.flush_pending()

    def action_open(self) -> None:
        self.post_message(self.Open(self))
