"""One scheduling pass's claims, written to the ledger in one transaction.

During :meth:`Scheduler.tick` each task the router placed is added here instead of being
claimed on its own commit; admission still happens one task at a time (the pass's pending
claims count towards the agent and provider limits), and at the end of the pass every claim
is written by one :meth:`Ledger.claim_many` before the attempts start.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from swarm_tui.domain.models import Attempt
from swarm_tui.store.claims import Claim
from swarm_tui.store.ledger import Ledger

__all__ = ["DispatchPass", "Launch"]

Launch = Callable[[Attempt | None], bool]
"""Starts the attempt once claimed (True), or undoes the admission when the claim lost."""


@dataclass(slots=True)
class _Pending:
    claim: Claim
    launch: Launch


class DispatchPass:
    def __init__(self, ledger: Ledger, owner: str, now: float, lease_until: float) -> None:
        self.ledger = ledger
        self.owner = owner
        self.now = now
        self.lease_until = lease_until
        self._pending: list[_Pending] = []

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, claim: Claim, launch: Launch) -> None:
        self._pending.append(_Pending(claim, launch))

    def count(self, agent: str | None = None, provider: str | None = None) -> int:
        """Claims of this pass for ``agent`` and/or ``provider`` (admitted, not yet started)."""
        return sum(
            1
            for p in self._pending
            if (agent is None or p.claim.agent == agent)
            and (provider is None or p.claim.provider == provider)
        )

    def task_ids(self) -> list[int]:
        return [p.claim.task_id for p in self._pending]

    def providers(self) -> Counter[str]:
        return Counter(p.claim.provider for p in self._pending)

    async def commit(self) -> int:
        """Claim everything in one transaction, then start what was claimed; returns how many
        attempts started. If the write fails, every admission is undone before it raises."""
        pending, self._pending = self._pending, []
        if not pending:
            return 0
        try:
            attempts = await self.ledger.claim_many(
                [p.claim for p in pending],
                owner=self.owner,
                now=self.now,
                lease_until=self.lease_until,
            )
        except BaseException:
            for p in pending:
                p.launch(None)
            raise
        return sum(p.launch(a) for p, a in zip(pending, attempts, strict=True))
