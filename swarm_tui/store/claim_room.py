"""Room for claims under the swarm-wide limits, counted inside the claiming transaction:

- a provider's ``max_concurrent`` (:attr:`Ledger.provider_limits`): the attempts running on it
  and the live slot holds on it (``store/slots.py``), of every owner;
- an agent's ``max_concurrent`` (:attr:`Ledger.agent_limits`): the attempts of that agent
  running, of every owner (every process and host on the ledger).

The write transaction is the ledger's only one at a time (SQLite's ``BEGIN IMMEDIATE``,
PostgreSQL's feed lock), so no other claim slips in between the count and the claims. Both
backends count into a :class:`ClaimRoom` and walk the batch through it in order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from swarm_tui.store.slots import busy_sync

__all__ = ["ClaimRoom", "agents_busy_sync", "room_sync"]


@dataclass(slots=True)
class ClaimRoom:
    """Free places per limited provider and per limited agent (an unlimited one is absent)."""

    providers: dict[str, int]
    agents: dict[str, int]

    @classmethod
    def of(
        cls,
        provider_limits: Mapping[str, int],
        provider_busy: Mapping[str, int],
        agent_limits: Mapping[str, int],
        agent_busy: Mapping[str, int],
    ) -> ClaimRoom:
        return cls(
            {p: provider_limits[p] - n for p, n in provider_busy.items()},
            {a: agent_limits[a] - n for a, n in agent_busy.items()},
        )

    def fits(self, provider: str, agent: str) -> bool:
        """One more attempt of ``agent`` on ``provider`` stays within both limits."""
        return self.providers.get(provider, 1) > 0 and self.agents.get(agent, 1) > 0

    def take(self, provider: str, agent: str) -> None:
        """A claim was made: one place less on its provider and its agent."""
        if provider in self.providers:
            self.providers[provider] -= 1
        if agent in self.agents:
            self.agents[agent] -= 1


def agents_busy_sync(conn: sqlite3.Connection, agents: Collection[str]) -> dict[str, int]:
    """Attempts running of each of ``agents``, across every owner."""
    wanted = sorted(set(agents))
    if not wanted:
        return {}
    cur = conn.execute(
        f"SELECT agent, COUNT(*) FROM attempts WHERE state = 'running'"
        f" AND agent IN ({','.join('?' * len(wanted))}) GROUP BY agent",
        wanted,
    )
    busy = {str(r[0]): int(r[1]) for r in cur.fetchall()}
    cur.close()
    return {a: busy.get(a, 0) for a in wanted}


def room_sync(
    conn: sqlite3.Connection,
    provider_limits: Mapping[str, int],
    agent_limits: Mapping[str, int],
    providers: Collection[str],
    agents: Collection[str],
    now: float,
) -> ClaimRoom:
    """The room left for ``providers`` and ``agents`` (the limited ones among them)."""
    return ClaimRoom.of(
        provider_limits,
        busy_sync(conn, [p for p in providers if p in provider_limits], now),
        agent_limits,
        agents_busy_sync(conn, [a for a in agents if a in agent_limits]),
    )
