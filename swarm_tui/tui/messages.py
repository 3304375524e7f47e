"""App-wide messages. The bridge is the only sender; panes react to them."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from swarm_tui.domain.models import Task
from swarm_tui.domain.reads import Totals
from swarm_tui.hw.events import HardwareSampled
from swarm_tui.tui.widgets.voting_pane import Conflict

__all__ = ["StreamInfo", "SwarmUpdate"]


@dataclass(frozen=True)
class StreamInfo:
    """What a stream's border shows."""

    attempt_id: int
    task_id: int
    number: int
    agent: str
    model: str
    state: str
    tokens: int
    tokens_per_s: float
    counted: bool = True
    """``tokens`` is the stream's own count (one per delta) until the backend's usage for the
    attempt is recorded; then it is that usage's output tokens (already in the ledger's
    task totals) and this is False."""


@dataclass
class SwarmUpdate(Message):
    """Everything that changed since the last flush, in one message (tens of ms apart)."""

    tasks: list[Task] = field(default_factory=list)
    """Tasks whose row changed (read back from the ledger)."""
    text: dict[int, str] = field(default_factory=dict)
    """New stream text per attempt id."""
    streams: dict[int, StreamInfo] = field(default_factory=dict)
    """Border info for attempts that started, changed or ended."""
    ended: list[int] = field(default_factory=list)
    """Attempt ids that ended."""
    totals: Totals | None = None
    flags: dict[str, str] | None = None
    notices: list[tuple[str, str]] = field(default_factory=list)
    """(level, text) to show; level "error" rings the bell."""
    tokens_per_s: float = 0.0
    """Across every running attempt."""
    hardware: list[HardwareSampled] = field(default_factory=list)
    """The hardware samples that came, oldest first."""
    conflicts: dict[int, Conflict | None] = field(default_factory=dict)
    """Consensus conflicts that changed: the conflict now, or None when it no longer waits."""
    records: set[str] = field(default_factory=set)
    """Shared records another process changed: ``memory``, ``approval``."""
    reload: bool = False
    """Changes were missed (the ledger's change feed was pruned past this room): the queue
    is to be read again from the ledger."""
    taken: bool = False
    """Set by the receiver as it starts on the update. Until then the bridge posts no other
    and merges what changed next into this one (backpressure: a busy screen gets one update
    with everything, never a queue of them)."""

    def merge(self, newer: SwarmUpdate) -> None:
        """Fold ``newer`` (what changed after this update was made) into this update."""
        rows = {t.id: t for t in self.tasks}
        rows.update((t.id, t) for t in newer.tasks)
        self.tasks = list(rows.values())
        for attempt_id, text in newer.text.items():
            self.text[attempt_id] = self.text.get(attempt_id, "") + text
        self.streams.update(newer.streams)
        self.ended += [a for a in newer.ended if a not in self.ended]
        self.totals = newer.totals if newer.totals is not None else self.totals
        self.flags = newer.flags if newer.flags is not None else self.flags
        self.notices += newer.notices
        self.tokens_per_s = newer.tokens_per_s
        self.hardware += newer.hardware
        self.conflicts.update(newer.conflicts)
        self.records |= newer.records
        self.reload = self.reload or newer.reload
