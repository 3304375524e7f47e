"""One agent's live stream: a capped log with agent, model, state and tokens/s on its border.

Text arrives in batches from the bridge. The panel (a :class:`WrappedLog`) keeps the text
itself (its last ``max_lines`` lines, unwrapped) and shows it wrapped to its width. New text
is wrapped and written as it comes while the panel is on screen; text that comes while it is
not (scrolled out of view, behind another screen) only marks it stale, and it is drawn again
from the kept text when it is next painted (a hidden high-rate log must not cost the UI
anything). A change of width (the panes re-laid out) re-wraps the kept text too: lines
wrapped for another width would be clipped.
"""

from __future__ import annotations

from collections import deque

from textual.binding import Binding
from textual.events import Resize
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Log

from swarm_tui.domain.models import TaskState
from swarm_tui.tui.messages import StreamInfo
from swarm_tui.tui.widgets.stream_wrap import wrap

__all__ = ["StreamPanel", "WrappedLog", "stream_title"]


def stream_title(info: StreamInfo) -> str:
    """``#3 attempt 2 · agent · provider/model``: a re-run or reassigned task's panes differ."""
    return f"#{info.task_id} attempt {info.number} · {info.agent} · {info.model}"


class WrappedLog(Log):
    """A log of streamed text that wraps it to its width and keeps it (the last
    ``max_lines`` lines, unwrapped), so a change of width re-wraps instead of clipping and
    text that came while it was not on screen is drawn when it shows."""

    def __init__(self, *, max_lines: int, id: str | None = None) -> None:
        super().__init__(max_lines=max_lines, id=id)
        self.transcript: deque[str] = deque(maxlen=max_lines)
        """The last ``max_lines`` lines as streamed (unwrapped): what the log shows, wrapped
        to its width, and the full-screen view's source."""
        self._partial = ""
        self._open = ""
        """The log's last line as shown (wrapped): the next text continues it."""
        self.drawn_width = 0
        """The width the lines on show were wrapped at; 0 while they are stale (text came
        while the log was not on screen): the next paint draws them again."""
        self._redraw_due = False

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

    @property
    def stale(self) -> bool:
        """The lines on show are not the kept text wrapped to the log's width."""
        return not self.drawn_width or self.drawn_width != self.scrollable_content_region.width

    def append(self, text: str) -> None:
        """Keep ``text`` and show it (wrapped) if the log is on screen."""
        self._remember(text)
        if not self.in_view:  # drawn from the kept text when it shows
            self.drawn_width = 0
            return
        width = self.drawn_width
        if width and width == self.scrollable_content_region.width:
            self._continue(*wrap(text, self._open, width))
        else:
            self.redraw()

    def show_kept(self) -> None:
        """Draw the kept text again if what is on show is stale (called when shown)."""
        self._redraw_due = False
        if self.stale:
            self.redraw()

    def redraw(self) -> None:
        """Wrap the kept text to the log's width and show it (the newest lines)."""
        self._redraw_due = False
        width = self.scrollable_content_region.width
        if width <= 0:  # not laid out yet: the first paint draws it
            self.drawn_width = 0
            return
        done, self._open = wrap(self.text(), "", width)
        self.clear()
        self.write("\n".join([*done, self._open]))
        self.drawn_width = width

    def _continue(self, done: list[str], open_line: str) -> None:
        """Show what :func:`wrap` made of the open line and new text: the open line grows,
        or gives its last word to the next line (the one edit a log's last line takes)."""
        first = done[0] if done else open_line
        shown = self._open
        if first.startswith(shown):
            added = first[len(shown) :]
        else:  # ``first`` is the open line without the word that moved on
            self._cut_last_line(first)
            added = ""
        if done:
            added += "\n" + "\n".join([*done[1:], open_line])
        self._open = open_line
        self.write(added)

    def _cut_last_line(self, keep: str) -> None:
        # Log has no call for this; its lines are a list whose last entry is the open line
        # (Log.write appends to it), and refresh_lines drops that line's rendering cache.
        lines = self._lines
        if lines:
            lines[-1] = keep
            self.refresh_lines(len(lines) - 1)

    def _remember(self, text: str) -> None:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        self.transcript.extend(lines)

    def text(self) -> str:
        """The kept text: the last ``max_lines`` lines as streamed."""
        return "\n".join([*self.transcript, self._partial])

    def on_resize(self, _event: Resize) -> None:
        if self.stale:
            if self.in_view:
                self.redraw()
            else:  # re-laid out out of view: drawn again when it is painted
                self.drawn_width = 0

    def on_show(self) -> None:
        if self.in_view:
            self.show_kept()

    def render_lines(self, crop: Region) -> list[Strip]:
        # Painted while stale (scrolled into view, or a screen above it went away): draw the
        # kept text right after this frame. Scrolling sends the log no event of its own.
        if not self.drawn_width and not self._redraw_due:
            self._redraw_due = True
            self.call_later(self.show_kept)
        return super().render_lines(crop)


class StreamPanel(WrappedLog):
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
        self.task_state: TaskState | None = None
        """The task's state, when known: an ended attempt whose task waits for a vote
        says so."""
        self.set_info(info)

    def set_task_state(self, state: TaskState) -> None:
        if state != self.task_state:
            self.task_state = state
            self.set_info(self.info)

    def set_info(self, info: StreamInfo) -> None:
        self.info = info
        title = stream_title(info)
        rate = f" · {info.tokens_per_s:.1f} tok/s" if info.state == "running" else ""
        state = info.state
        if state != "running" and self.task_state == TaskState.NEEDS_VOTE:
            state = "waits for your vote (v)"
        subtitle = f"{state} · {info.tokens} tok{rate}"
        if title != self.border_title:  # each change costs a repaint: skip the no-ops
            self.border_title = title
        if subtitle != self.border_subtitle:
            self.border_subtitle = subtitle
        self.set_class(info.state != "running", "-ended")

    def action_open(self) -> None:
        self.post_message(self.Open(self))
