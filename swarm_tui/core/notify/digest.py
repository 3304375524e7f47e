"""Rate limit and digest: at most one notification per window, what comes within it folded.

The first alert after a quiet window goes at once. Alerts that come while the window since
the last message is open wait, and leave together as one digest when it ends; the same
thing (the same :attr:`Alert.key`) again within a window of having been told is not told
again, only counted. Pure: the caller says what time it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from swarm_tui.core.notify.rules import Alert

__all__ = ["Digest", "Message"]

_KIND_WORDS = {
    "vote": "a vote waits",
    "approval": "an approval waits",
    "budget": "budget stop",
    "breakers": "an agent is down",
    "failing": "a task keeps failing",
    "drained": "the queue is drained",
}


@dataclass(frozen=True, slots=True)
class Message:
    """One notification: a title and a body of ``what happened`` / ``-> command`` lines."""

    title: str
    body: str
    alerts: tuple[Alert, ...]


class Digest:
    def __init__(self, window: float, name: str = "swarm-tui") -> None:
        self.window = window
        self.name = name
        self.pending: dict[str, tuple[Alert, int]] = {}
        self.told: dict[str, float] = {}
        """Key -> when it was last sent."""
        self.last_sent: float | None = None
        self.folded = 0
        """Repeats of something already told within its window (not sent again)."""

    def add(self, alerts: Iterable[Alert], now: float) -> None:
        for alert in alerts:
            told = self.told.get(alert.key)
            if told is not None and now - told < self.window:
                self.folded += 1
                continue
            _, count = self.pending.get(alert.key, (alert, 0))
            self.pending[alert.key] = (alert, count + 1)

    def due(self) -> float | None:
        """When what waits may be sent (``None``: nothing waits)."""
        if not self.pending:
            return None
        return 0.0 if self.last_sent is None else self.last_sent + self.window

    def take(self, now: float, *, force: bool = False) -> Message | None:
        """The message to send now, if one is due (``force``: whatever waits, e.g. at exit)."""
        due = self.due()
        if due is None or (now < due and not force):
            return None
        folded = list(self.pending.values())
        self.pending.clear()
        self.last_sent = now
        self.told = {k: t for k, t in self.told.items() if now - t < self.window}
        self.told.update((a.key, now) for a, _ in folded)
        return self._message(folded)

    def _message(self, folded: list[tuple[Alert, int]]) -> Message:
        if len(folded) == 1:
            title = f"{self.name}: {_KIND_WORDS.get(folded[0][0].kind, folded[0][0].kind)}"
        else:
            title = f"{self.name}: {len(folded)} things need you"
        lines = []
        for alert, count in folded:
            times = f" (x{count})" if count > 1 else ""
            lines += [f"{alert.text}{times}", f"-> {alert.command}"]
        return Message(title, "\n".join(lines), tuple(a for a, _ in folded))
