"""Provider slots for calls made outside an attempt of their own (the calls of a consensus
run): each waits for a free slot under its provider's ``max_concurrent``, counting the
attempts running on it, and is counted itself while it runs, so single attempts and
consensus calls share one limit (three Ollama models of a consensus do not all load at once
on a GPU configured for one)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping

from swarm_tui.config import ProviderConfig

__all__ = ["ProviderSlots"]


class ProviderSlots:
    def __init__(self, providers: Mapping[str, ProviderConfig], busy: Callable[[str], int]) -> None:
        self.providers = providers
        self.busy = busy
        """``provider -> what runs on it``, the slots' own calls included."""
        self.in_flight: Counter[str] = Counter()
        self._freed = asyncio.Event()

    def freed(self) -> None:
        """Something ended (an attempt, a call): waiters look again."""
        self._freed.set()

    @contextlib.asynccontextmanager
    async def hold(self, provider: str) -> AsyncIterator[None]:
        """Wait for a free slot on ``provider``, hold it while the block runs."""
        config = self.providers.get(provider)
        limit = config.max_concurrent if config is not None else 1
        while self.busy(provider) >= limit:
            self._freed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._freed.wait(), 1.0)  # a missed wake-up is retried
        self.in_flight[provider] += 1
        try:
            yield
        finally:
            self.in_flight[provider] -= 1
            self.freed()
