"""What runs now: the attempts in flight in this process, the claims of the scheduling pass
under way, and the consensus calls holding provider slots; and what runs elsewhere on the
same ledger (other processes and hosts: their running attempts, by provider and by agent,
and live slot holds, read once per scheduling pass by :meth:`Load.refresh`). The scheduler
admits and routes against it (a fast path: the claim itself counts the swarm again in its
transaction, and the ledger's count is the truth), the public API and the upkeep stop
attempts through it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from swarm_tui.config import ProviderConfig
from swarm_tui.core.dispatch_pass import DispatchPass
from swarm_tui.core.owner import host_of_owner
from swarm_tui.core.provider_slots import ProviderSlots
from swarm_tui.core.running import Running

if TYPE_CHECKING:
    from swarm_tui.store.ledger import Ledger

__all__ = ["Load"]


class Load:
    def __init__(self, providers: Mapping[str, ProviderConfig]) -> None:
        self.running: dict[int, Running] = {}
        self.batch: DispatchPass | None = None
        """The pass under way (its claims count towards the limits before they start)."""
        self.orphans: set[int] = set()
        """Attempts whose job ended without recording it (a ledger fault): given up next pass."""
        self.slots = ProviderSlots(providers, lambda p: self.local(provider=p))
        self.elsewhere: dict[str, Counter[str]] = {}
        """Provider -> host -> attempts and slot holds of the swarm's other owners (other
        processes and hosts), as of the last :meth:`refresh`."""
        self.agents_elsewhere: dict[str, Counter[str]] = {}
        """Agent -> host -> attempts of the swarm's other owners, as of the last
        :meth:`refresh`."""
        self._claiming: dict[int, asyncio.Event] = {}
        """Tasks whose claim this process is writing: the ledger may already say ``running``
        while their attempt is not in :attr:`running` yet."""

    async def refresh(self, ledger: Ledger, owner: str, now: float) -> None:
        """Read what the swarm's other owners run now (one cheap ledger read)."""
        elsewhere: dict[str, Counter[str]] = {}
        agents: dict[str, Counter[str]] = {}
        for row in await ledger.swarm_load(now):
            if row.owner == owner:
                continue
            host = host_of_owner(row.owner)
            elsewhere.setdefault(row.provider, Counter())[host] += row.count
            if row.agent:
                agents.setdefault(row.agent, Counter())[host] += row.count
        self.elsewhere, self.agents_elsewhere = elsewhere, agents

    def count(self, *, agent: str | None = None, provider: str | None = None) -> int:
        """Attempts of ``agent`` and/or on ``provider`` running or claimed in this pass (on a
        provider alone: with the consensus calls that hold its slots; on a provider alone or
        an agent alone: with what the swarm's other owners run on it, or of it)."""
        others: Counter[str] | None = None
        if provider is not None and agent is None:
            others = self.elsewhere.get(provider)
        elif agent is not None and provider is None:
            others = self.agents_elsewhere.get(agent)
        return self.local(agent=agent, provider=provider) + (others.total() if others else 0)

    def local(self, *, agent: str | None = None, provider: str | None = None) -> int:
        """As :meth:`count`, this process's share alone."""
        return (
            sum(
                1
                for r in self.running.values()
                if (agent is None or r.run.attempt.agent == agent)
                and (provider is None or r.run.attempt.provider == provider)
            )
            + (self.batch.count(agent, provider) if self.batch else 0)
            + (self.slots.in_flight[provider] if provider is not None and agent is None else 0)
        )

    def per_provider(self) -> Counter[str]:
        """Everything in flight, by provider (the swarm's other owners' too)."""
        in_flight = Counter(r.run.attempt.provider for r in self.running.values())
        for provider, hosts in self.elsewhere.items():
            in_flight[provider] += hosts.total()
        return (
            in_flight + (self.batch.providers() if self.batch else Counter()) + self.slots.in_flight
        )

    def elsewhere_note(self, provider: str | None = None, *, agent: str | None = None) -> str:
        """``", 1 on host gpu-laptop"``: what other owners run on ``provider`` (or of
        ``agent``), by host."""
        hosts = self.elsewhere.get(provider) if provider is not None else None
        if agent is not None:
            hosts = self.agents_elsewhere.get(agent)
        if not hosts:
            return ""
        return "".join(f", {n} on host {host}" for host, n in sorted(hosts.items()) if n)

    def agent_full(self, agent: str, limit: int) -> str | None:
        """Why no attempt of ``agent`` starts now, counting the whole swarm (``"agent backend
        at its limit (2/2, 1 on host gpu-laptop)"``); None while it has room."""
        busy = self.count(agent=agent)
        if busy < limit:
            return None
        return f"agent {agent} at its limit ({busy}/{limit}{self.elsewhere_note(agent=agent)})"

    def attempt_of(self, task_id: int) -> int | None:
        """The attempt of ``task_id`` running here, if any."""
        for attempt_id, entry in self.running.items():
            if entry.run.attempt.task_id == task_id:
                return attempt_id
        return None

    @contextlib.contextmanager
    def claiming(self, task_ids: Iterable[int]) -> Iterator[None]:
        """Mark ``task_ids`` as being claimed here until the block ends (claimed and launched,
        or lost)."""
        done, ids = asyncio.Event(), list(task_ids)
        for task_id in ids:
            self._claiming[task_id] = done
        try:
            yield
        finally:
            for task_id in ids:
                if self._claiming.get(task_id) is done:
                    del self._claiming[task_id]
            done.set()

    async def launched(self, task_id: int) -> int | None:
        """The attempt of ``task_id`` running here, once a claim of it under way here ended."""
        done = self._claiming.get(task_id)
        if done is not None:
            await done.wait()
        return self.attempt_of(task_id)

    async def stop(
        self, attempt_ids: list[int], reason: str, *, grace: float | None = None
    ) -> None:
        """Stop running attempts (partial output kept); ``reason`` says where their tasks go.
        ``grace``: how long to wait for their ends to be written (a ledger whose server is
        away keeps them); past it they are left to the ledger (written if it gets them
        before it closes; else the next start, or another host, recovers them)."""
        jobs = []
        for attempt_id in attempt_ids:
            entry = self.running.get(attempt_id)
            if entry is None:
                continue
            entry.run.stop_reason = reason
            entry.job.cancel()
            jobs.append(entry.job)
        if grace is not None and jobs:
            _ended, late = await asyncio.wait(jobs, timeout=grace)
            for job in late:
                job.cancel()
        for job in jobs:
            with contextlib.suppress(asyncio.CancelledError):
                await job
