"""A scriptable in-process provider for core tests (real providers are tested against real
servers and loopback servers in tests/providers)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from swarm_tui.providers.base import (
    Done,
    ProviderError,
    StreamEvent,
    StreamRequest,
    TextDelta,
    Usage,
)


@dataclass
class Script:
    """What one call does: stream ``tokens``, optionally block at ``hold_after`` tokens until
    released, then fail with ``error`` or finish with usage."""

    tokens: list[str] = field(default_factory=lambda: ["hello", " ", "world"])
    error: ProviderError | None = None
    hold_after: int | None = None
    usage: Usage | None = None
    events: list[StreamEvent] = field(default_factory=list)
    """Streamed after the tokens (an agent CLI's tool calls and results, say)."""


class FakeProvider:
    def __init__(self, name: str = "fake", script: Callable[[StreamRequest], Script] | None = None):
        self.name = name
        self.script = script or (lambda _req: Script())
        self.requests: list[StreamRequest] = []
        self.release = asyncio.Event()
        self.holding = asyncio.Event()
        self.started = 0
        self.closed = 0

    async def start(self) -> None:
        self.started += 1

    async def close(self) -> None:
        self.closed += 1

    async def check(self) -> list[str]:
        return []

    async def stream(self, request: StreamRequest) -> AsyncIterator[StreamEvent]:
        self.requests.append(request)
        plan = self.script(request)
        for i, token in enumerate(plan.tokens):
            if plan.hold_after is not None and i == plan.hold_after:
                self.holding.set()
                await self.release.wait()
            yield TextDelta(token)
            await asyncio.sleep(0)
        for event in plan.events:
            yield event
        if plan.error is not None:
            raise plan.error
        yield plan.usage or Usage(input_tokens=7, output_tokens=len(plan.tokens))
        yield Done("stop")
