"""Shared helpers for provider tests: build a provider against a loopback server, collect."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from swarm_tui.providers.base import (
    Done,
    Provider,
    ProviderError,
    StreamEvent,
    StreamRequest,
    Usage,
)


async def collect(provider: Provider, request: StreamRequest) -> list[StreamEvent]:
    try:
        return [e async for e in provider.stream(request)]
    finally:
        await provider.close()


def settled(events: list[StreamEvent]) -> list[StreamEvent]:
    """The events as a consumer settles them: usage reported along the way (kept should the
    stream be cut) is superseded by the last report, which is checked just before ``Done``."""
    usages = [e for e in events if isinstance(e, Usage)]
    rest = [e for e in events if not isinstance(e, Usage)]
    if usages and rest and isinstance(rest[-1], Done):
        return [*rest[:-1], usages[-1], rest[-1]]
    return rest + usages[-1:]


async def failure(provider: Provider, request: StreamRequest) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        await collect(provider, request)
    return info.value


Factory = Callable[..., Provider]
