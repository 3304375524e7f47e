"""Provider slots for calls made outside an attempt of their own (the calls of a consensus
run): each waits for a free slot under its provider's ``max_concurrent``, counting the
attempts running on it, and is counted itself while it runs, so single attempts and
consensus calls share one limit (three Ollama models of a consensus do not all load at once
on a GPU configured for one).

Bound to the ledger (:meth:`ProviderSlots.bind`), a slot is also a row of the ledger's
``provider_slots``, taken in one write transaction that counts every process's and host's
attempts and holds on the provider: the limit holds across the swarm, and a claim anywhere
counts this call. The hold is given back when the call ends, renewed with the heartbeat
(:attr:`ProviderSlots.held`), and recovered by lease if this process dies. A wait wakes when
something ends here, and polls the ledger for what ends elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from swarm_tui.config import ProviderConfig

if TYPE_CHECKING:
    from swarm_tui.store.ledger import Ledger

__all__ = ["ProviderSlots", "SlotLedger"]

PURPOSE = "consensus"


@dataclass(frozen=True, slots=True)
class SlotLedger:
    """Where holds are written: the ledger, this process's owner id, its clock, how long a
    hold lives without renewal, and how often a waiting call looks at the ledger again."""

    ledger: Ledger
    owner: str
    clock: Callable[[], float]
    lease_seconds: float
    poll_seconds: float


class ProviderSlots:
    def __init__(self, providers: Mapping[str, ProviderConfig], busy: Callable[[str], int]) -> None:
        self.providers = providers
        self.busy = busy
        """``provider -> what runs on it in this process``, the slots' own calls included."""
        self.in_flight: Counter[str] = Counter()
        self.held: dict[int, str] = {}
        """Ledger holds of the calls running now: hold id -> provider (renewed by upkeep)."""
        self.store: SlotLedger | None = None
        self._freed = asyncio.Event()

    def bind(self, store: SlotLedger) -> None:
        """Take every later slot in the ledger too (across processes and hosts)."""
        self.store = store

    def freed(self) -> None:
        """Something ended (an attempt, a call): waiters look again."""
        self._freed.set()

    @contextlib.asynccontextmanager
    async def hold(self, ref: str) -> AsyncIterator[None]:
        """Wait for a free slot on ``ref``'s provider (``provider`` or ``provider/model``),
        hold it while the block runs."""
        provider, _, model = ref.partition("/")
        config = self.providers.get(provider)
        limit = config.max_concurrent if config is not None else 1
        store = self.store
        hold_id: int | None = None
        while True:
            self._freed.clear()  # cleared before looking: a wake-up after the look is kept
            if self.busy(provider) < limit:
                if store is None:
                    break
                now = store.clock()
                hold_id = await store.ledger.take_slot(
                    provider, model, limit=limit, owner=store.owner, purpose=PURPOSE,
                    now=now, lease_until=now + store.lease_seconds,
                )  # fmt: skip
                if hold_id is not None:
                    break
            wait = 1.0 if store is None else store.poll_seconds
            with contextlib.suppress(TimeoutError):  # elsewhere's ends are seen by polling
                await asyncio.wait_for(self._freed.wait(), wait)
        self.in_flight[provider] += 1
        if hold_id is not None:
            self.held[hold_id] = provider
        try:
            yield
        finally:
            self.in_flight[provider] -= 1
            if hold_id is not None and store is not None:
                self.held.pop(hold_id, None)
                with contextlib.suppress(Exception):  # not given back: its lease ends it
                    await store.ledger.release_slot(hold_id)
            self.freed()
