"""The event bus: typed events to many subscribers, each with a bounded queue.

``publish`` never blocks the publisher. Consecutive :class:`StreamChunk` events of one attempt
coalesce into one; when a queue is still full, the oldest stream chunk is dropped (the ledger
keeps every byte) and counted, so state changes are never lost for stream text.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator

from swarm_tui.domain.events import StreamChunk, SwarmEvent
from swarm_tui.hw.events import HardwareSampled

__all__ = ["Event", "EventBus", "Subscription"]

Event = SwarmEvent | HardwareSampled
"""Everything the bus carries: the swarm's events and the hardware samples."""


class Subscription:
    def __init__(self, bus: EventBus, maxsize: int) -> None:
        self._bus = bus
        self._queue: deque[Event] = deque()
        self._maxsize = maxsize
        self._ready = asyncio.Event()
        self._closed = False
        self.dropped = 0

    def _offer(self, event: Event) -> None:
        q = self._queue
        if isinstance(event, StreamChunk) and q:
            last = q[-1]
            if (
                isinstance(last, StreamChunk)
                and last.attempt_id == event.attempt_id
                and last.reasoning == event.reasoning
            ):
                q[-1] = StreamChunk(
                    event.task_id,
                    event.attempt_id,
                    last.text + event.text,
                    event.reasoning,
                    last.tokens + event.tokens,
                )
                return
        if len(q) >= self._maxsize:
            victim = next((e for e in q if isinstance(e, StreamChunk)), None)
            if victim is None and isinstance(event, StreamChunk):
                self.dropped += 1
                return
            q.remove(victim if victim is not None else q[0])
            self.dropped += 1
        q.append(event)
        self._ready.set()

    def get_nowait(self) -> list[Event]:
        """Everything queued so far."""
        items = list(self._queue)
        self._queue.clear()
        self._ready.clear()
        return items

    async def get(self) -> list[Event]:
        """Wait for at least one event, then return all queued."""
        while not self._queue:
            if self._closed:
                return []
            await self._ready.wait()
            self._ready.clear()
        return self.get_nowait()

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        self._closed = True
        self._ready.set()
        self._bus._remove(self)

    async def __aiter__(self) -> AsyncIterator[Event]:
        while True:
            batch = await self.get()
            if not batch:
                return
            for event in batch:
                yield event


class EventBus:
    def __init__(self) -> None:
        self._subs: list[Subscription] = []
        self.published = 0

    def subscribe(self, maxsize: int = 10_000) -> Subscription:
        sub = Subscription(self, maxsize)
        self._subs.append(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        if sub in self._subs:
            self._subs.remove(sub)

    def publish(self, event: Event) -> None:
        self.published += 1
        for sub in self._subs:
            sub._offer(event)
