"""Shared helpers for provider tests: build a provider against a loopback server, collect."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from swarm_tui.providers.base import Provider, ProviderError, StreamEvent, StreamRequest


async def collect(provider: Provider, request: StreamRequest) -> list[StreamEvent]:
    try:
        return [e async for e in provider.stream(request)]
    finally:
        await provider.close()


async def failure(provider: Provider, request: StreamRequest) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        await collect(provider, request)
    return info.value


Factory = Callable[..., Provider]
