"""The attempts streaming now, with the text each has streamed so far, kept by the service so
a room that attaches mid-run shows every live stream from its start, not from the next token.

The snapshot is taken in the same step as the new client's subscription is made (nothing is
sent twice or missed between them): :meth:`LiveStreams.snapshot` first takes every event
already published, then lists what runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from swarm_tui.core.bus import Event, EventBus, Subscription
from swarm_tui.domain.events import AttemptEnded, AttemptStarted, StreamChunk

__all__ = ["KEPT_CHARS", "LiveStreams"]

KEPT_CHARS = 64 * 1024
"""Text kept per live attempt (its tail): more than a stream panel shows."""


@dataclass
class _Live:
    started: AttemptStarted
    parts: list[str] = field(default_factory=list)
    size: int = 0
    tokens: int = 0

    def add(self, chunk: StreamChunk) -> None:
        self.tokens += chunk.tokens
        if chunk.reasoning or not chunk.text:
            return
        self.parts.append(chunk.text)
        self.size += len(chunk.text)
        if self.size > 2 * KEPT_CHARS:
            text = "".join(self.parts)[-KEPT_CHARS:]
            self.parts, self.size = [text], len(text)


class LiveStreams:
    def __init__(self, bus: EventBus) -> None:
        self.sub: Subscription = bus.subscribe(maxsize=1_000_000)
        self.live: dict[int, _Live] = {}

    def take(self, event: Event) -> None:
        if isinstance(event, AttemptStarted):
            self.live[event.attempt_id] = _Live(event)
        elif isinstance(event, StreamChunk):
            live = self.live.get(event.attempt_id)
            if live is not None:
                live.add(event)
        elif isinstance(event, AttemptEnded):
            self.live.pop(event.attempt_id, None)

    def catch_up(self) -> None:
        """Take every event published so far (also called on a clock, to keep memory flat)."""
        for event in self.sub.get_nowait():
            self.take(event)

    def snapshot(self) -> list[Event]:
        """The events that bring a new client to now: each live attempt's start and its text
        so far (as one chunk, counted as the tokens it streamed)."""
        self.catch_up()
        events: list[Event] = []
        for live in self.live.values():
            events.append(live.started)
            text = "".join(live.parts)
            live.parts, live.size = ([text], len(text)) if text else ([], 0)
            s = live.started
            events.append(StreamChunk(s.task_id, s.attempt_id, text, tokens=live.tokens))
        return events

    def close(self) -> None:
        self.sub.close()
