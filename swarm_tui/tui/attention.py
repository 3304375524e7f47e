"""The room calls you: the terminal bell and title, from the same rules as the notifier.

A new alert (a vote or an approval waits, a budget stop, an agent down, a task failing again
and again, the queue drained) rings the bell (``[ui] bell``); the terminal title says what
waits right now (``swarm-tui: 1 vote waits``, ``[notify] title``), so a tab or a tmux window
list shows it from across the room. The title the terminal had is pushed on its stack first
and popped on the way out (xterm's title stack; terminals without one ignore it).
"""

from __future__ import annotations

from typing import Any

from textual.app import App

from swarm_tui.config import Settings
from swarm_tui.core.notify import AttentionWatch, SwarmView, Waiting, attention_for

__all__ = ["RoomAttention", "title_sequence"]

BELL = "\a"
PUSH_TITLE, POP_TITLE = "\x1b[22;2t", "\x1b[23;2t"


def title_sequence(title: str) -> str:
    """OSC 2 (window title), control characters removed so a title cannot escape it."""
    clean = "".join(ch for ch in title if ch.isprintable())
    return f"\x1b]2;{clean}\a"


class RoomAttention:
    def __init__(self, app: App[Any], view: SwarmView, settings: Settings) -> None:
        self.app = app
        self.view = view
        self.settings = settings
        self.bell = settings.ui.bell
        self.set_title = settings.notify.title
        self.watch: AttentionWatch | None = None
        self.title = ""

    def start(self) -> None:
        """Watch the swarm's bus (from now: a room never mounted holds no subscription)."""
        self.watch = AttentionWatch(self.view, attention_for(self.settings))
        # A failure here must not close the room: the worker ends, the room goes on.
        job = self._run(self.watch)
        self.app.run_worker(job, name="attention", group="attention", exit_on_error=False)

    def stop(self) -> None:
        if self.watch is not None:
            self.watch.close()
        if self.title:
            self._write(POP_TITLE)
            self.title = ""

    async def _run(self, watch: AttentionWatch) -> None:
        self._show(bool(await watch.seed()), watch.rules.waiting)
        while batch := await watch.sub.get():
            alerts = await watch.handle(batch)
            self._show(bool(alerts), watch.rules.waiting)

    def _show(self, ring: bool, waiting: Waiting) -> None:
        if ring and self.bell:
            self._write(BELL)
        title = waiting.title()
        if self.set_title and title != (self.title or "swarm-tui"):
            if not self.title:
                self._write(PUSH_TITLE)
            self.title = title
            self._write(title_sequence(title))

    def _write(self, data: str) -> None:
        driver = self.app._driver  # the terminal (App has no public way to set its title)
        if driver is not None:
            driver.write(data)
